"""CI trust end to end: forks' CI events start nothing; a run decides on all of its commit's
check suites (real Temporal + Postgres, FakeGitHub)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlmodel import select
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from db.engine import SessionFactory
from db.models import WebhookEvent
from routing.ai_run import run_branch
from routing.workflow_ids import ci_failure_workflow_id, run_workflow_id
from tests.support.app import Stack
from tests.support.fakes import FakeGitHub
from tests.support.files import load_fixture
from tests.support.waiting import eventually, signals_received
from tests.support.webhooks import deliver

FORK = "mallory/widgets"


@pytest.fixture
def settings_overrides(github_settings: dict[str, Any]) -> dict[str, Any]:
    return github_settings


def fork_workflow_run(repo: str, branch: str, conclusion: str) -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture("events/workflow_run.failure.json"))
    payload["repository"]["full_name"] = repo
    payload["workflow_run"].update(
        id=uuid.uuid4().int % 10**9,
        conclusion=conclusion,
        head_branch=branch,
        head_repository={"id": 7, "name": "widgets", "full_name": FORK},
    )
    return payload


async def plan_of(sessions: SessionFactory, delivery: str) -> WebhookEvent:
    async with sessions() as session:
        query = select(WebhookEvent).where(WebhookEvent.delivery_id == delivery)
        row = (await session.exec(query)).first()
    assert row is not None
    return row


async def assert_no_workflow(client: Client, workflow_id: str) -> None:
    with pytest.raises(RPCError) as caught:
        await client.get_workflow_handle(workflow_id).describe()
    assert caught.value.status == RPCStatusCode.NOT_FOUND


async def test_fork_ci_events_start_no_ci_failure_issue_close_or_run_signal(
    stack: Stack, github: FakeGitHub, repo: str
) -> None:
    api, sessions, temporal_client, _ = stack
    run_id = str(uuid.uuid4())
    branch = run_branch(42, run_id)
    # A running workflow under the run's id (on a queue no worker polls): a `ci_result` signal
    # from a fork's CI on the run branch would land in its history.
    run = await temporal_client.start_workflow(
        "RunWorkflow",
        id=run_workflow_id(repo, 42, run_id),
        task_queue=f"idle-{uuid.uuid4()}",
    )
    cases = [
        ("workflow_run", fork_workflow_run(repo, "main", "failure")),
        ("workflow_run", fork_workflow_run(repo, "main", "success")),
        ("workflow_run", fork_workflow_run(repo, branch, "failure")),
        (
            "check_suite",
            {
                "action": "completed",
                "repository": {"full_name": repo},
                "check_suite": {
                    "id": 1,
                    "head_branch": branch,
                    "head_sha": "ab",
                    "status": "completed",
                    "conclusion": "failure",
                    "head_repository": {"full_name": FORK},
                },
            },
        ),
    ]
    for event, payload in cases:
        delivery = str(uuid.uuid4())
        response = await deliver(api, event, payload, delivery=delivery)
        assert response.status_code == 200, response.text
        if event == "check_suite":
            assert response.json() == {"status": "ignored", "reason": "from a fork"}
        row = await plan_of(sessions, delivery)
        kinds = {a["workflow"] for a in row.dispatch_plan}
        assert not kinds & {"CIFailureWorkflow", "RunWorkflow"}, row.dispatch_plan
        # Whatever else the delivery started (notifications) has been started by now.
        await eventually(_dispatched(sessions, delivery), what="dispatch")
    await assert_no_workflow(temporal_client, ci_failure_workflow_id(repo, "CI Tests", "main"))
    assert github.issues(repo) == []
    try:
        assert await signals_received(run, "ci_result") == 0
        # The same CI result from the repository itself reaches the run: the check above sees
        # a signal when there is one.
        own = fork_workflow_run(repo, branch, "failure")
        own["workflow_run"]["head_repository"] = {"id": 8, "name": "widgets", "full_name": repo}
        delivery = str(uuid.uuid4())
        assert (await deliver(api, "workflow_run", own, delivery=delivery)).status_code == 200
        await eventually(_dispatched(sessions, delivery), what="dispatch")
        assert await signals_received(run, "ci_result") == 1
    finally:
        await run.terminate()


def _dispatched(sessions: SessionFactory, delivery: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        row = await plan_of(sessions, delivery)
        return row.dispatch_status in ("dispatched", "ignored")

    return check
