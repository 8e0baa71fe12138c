"""WORKER_MAX_CACHED_WORKFLOWS reaches the worker: a caching worker keeps a run in memory and
takes its later workflow tasks on its own (sticky) queue; without a cache every task goes back
to the shared queue."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType, TaskQueueKind

from tests.support.app import Stack
from tests.support.files import load_fixture
from tests.support.waiting import eventually
from tests.support.webhooks import auth, deliver


@pytest.fixture(params=[0, 10], ids=["no-cache", "cache"])
def cache_size(request: pytest.FixtureRequest) -> int:
    size: int = request.param
    return size


@pytest.fixture
def settings_overrides(cache_size: int) -> dict[str, Any]:
    # An agent that cannot work: the run passes its first task (the checks and the config, all
    # local activities) and fails later in its activities, over several workflow tasks.
    return {
        "worker_max_cached_workflows": cache_size,
        "run_agent": "command",
        "run_agent_command": "/bin/false",
    }


async def test_run_tasks_go_sticky_when_worker_caches_workflows(
    stack: Stack, cache_size: int
) -> None:
    api, _, temporal_client, _ = stack
    reply = await deliver(api, "issues", load_fixture("events/issues_labeled_ai_run.json"))
    run_id = reply.json()["runId"]

    async def failed() -> dict[str, Any] | None:
        # The agent fails: the run ends FAILED after several workflow tasks.
        body: dict[str, Any] = (await api.get(f"/api/runs/{run_id}", headers=auth())).json()
        return body if body.get("status") == "FAILED" else None

    run = await eventually(failed, what=f"run {run_id} to fail")
    history = await temporal_client.get_workflow_handle(run["workflowId"]).fetch_history()
    kinds = [
        event.workflow_task_scheduled_event_attributes.task_queue.kind
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED
    ]
    assert len(kinds) > 1, kinds
    sticky = TaskQueueKind.TASK_QUEUE_KIND_STICKY in kinds
    assert sticky == (cache_size > 0), kinds
