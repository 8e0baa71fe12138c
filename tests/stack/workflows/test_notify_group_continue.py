"""A CI group continues as new only once the notices it sends itself are sent: on a Temporal
server of its own that suggests a new run after 50 history events, with AI Maestro down (its
sends retried with backoff), a red group goes on taking and telling failures in the same run;
when AI Maestro is back and every send is done it continues as new, and each notice reached
each sink once (real Temporal dev server and PostgreSQL, fake sinks)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle

from api.main import create_app
from db.engine import SessionFactory
from devstack.temporal_cli import ensure_temporal_cli
from settings import Settings
from tests.support.app import serve
from tests.support.fakes.sinks import FakeAIMaestro, FakeChatWebhook
from tests.support.notifications import group_id, group_notices, with_settings, workflow_run
from tests.support.own_temporal import DevServer, connect
from tests.support.required_tools import missing_tool
from tests.support.waiting import eventually
from tests.support.webhooks import deliver
from worker import build_worker
from workflows.search_attributes import ensure_search_attributes

pytestmark = pytest.mark.usefixtures("notify_settings")

SUGGEST_AFTER = 50  # history events


@pytest.fixture
def short_runs(tmp_path: Path) -> Iterator[DevServer]:
    cli = ensure_temporal_cli()
    if cli is None:
        missing_tool("no Temporal CLI binary to run a dev server of its own")
    server = DevServer(
        cli,
        tmp_path / "temporal.db",
        dynamic_config={"limit.historyCount.suggestContinueAsNew": str(SUGGEST_AFTER)},
    )
    server.start()
    yield server
    server.stop()


async def suggested(handle: WorkflowHandle[object, object]) -> bool:
    """Whether Temporal has suggested this run continue as new (at a workflow task)."""
    return any(
        [
            e.workflow_task_started_event_attributes.suggest_continue_as_new
            async for e in handle.fetch_history_events()
            if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED
        ]
    )


async def unfinished_sends(handle: WorkflowHandle[object, object]) -> list[int]:
    """Sink activities the run scheduled that did not complete (ids of their scheduled events)."""
    scheduled, done = [], set()
    async for e in handle.fetch_history_events():
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled.append(e.event_id)
        elif e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            done.add(e.activity_task_completed_event_attributes.scheduled_event_id)
    return [s for s in scheduled if s not in done]


async def told(api: httpx.AsyncClient, chat: FakeChatWebhook, ci: str, run: int) -> None:
    """Deliver the `run`-th failure and wait for its notice (its own: a second apart)."""
    await deliver(api, "workflow_run", workflow_run("failure", run_id=run, name=ci))
    await eventually(lambda: len(chat.bodies) == run, what=f"notice {run}")


async def continued(handle: WorkflowHandle[object, object]) -> bool:
    return (await handle.describe()).status == WorkflowExecutionStatus.CONTINUED_AS_NEW


@with_settings(notify_group_interval="1s")
async def test_group_continues_as_new_only_once_its_notices_are_sent(
    short_runs: DevServer,
    settings: Settings,
    sessions: SessionFactory,
    maestro: FakeAIMaestro,
    chat: FakeChatWebhook,
    ci: str,
) -> None:
    client = await connect(short_runs.address)
    await ensure_search_attributes(client, "default")
    conf = settings.model_copy(
        update={"temporal_address": short_runs.address, "temporal_namespace": "default"}
    )
    maestro.fail_next(100_000, 503)
    async for api in serve(create_app(conf)):
        async with build_worker(client, conf, sessions):
            await told(api, chat, ci, run := 1)
            run_id = (await client.get_workflow_handle(group_id(ci)).describe()).run_id
            first = client.get_workflow_handle(group_id(ci), run_id=run_id)
            while not await suggested(first):
                assert run < 10, "Temporal never suggested a new run"
                await told(api, chat, ci, run := run + 1)
            # The group looks at the suggestion when its loop comes round: one more failure.
            await told(api, chat, ci, run := run + 1)
            # Suggested, but AI Maestro's sends are under way: the same run goes on.
            state = await first.query("state")
            assert state["sending"] == run and state["red"] is True
            assert (await first.describe()).status == WorkflowExecutionStatus.RUNNING
            assert maestro.messages == []

            maestro.fail_next(0)  # back: the retries get through, then the run continues
            await eventually(lambda: len(maestro.messages) == run, within=90, what="sent")
            await eventually(partial(continued, first), what="the group to continue as new")
    notices = await group_notices(first)
    assert len(notices) == run
    every_sink = ["default/aimaestro", "default/chat", "default/logfile"]
    assert all(sorted(n.sends) == every_sink for n in notices)
    assert await unfinished_sends(first) == []  # nothing left behind by the new run
    assert len(maestro.messages) == run and len(chat.bodies) == run
