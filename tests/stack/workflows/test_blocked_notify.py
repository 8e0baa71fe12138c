"""A blocked task's notices, recorded and sent by BlockedTaskWorkflow itself (no
NotificationWorkflow child): each sink gets each level once, a failed or lost send is retried
without a second message, and a sink that is down holds up neither the ladder nor the other
sinks, while the workflow's end waits for its sends (real Temporal dev server and PostgreSQL,
fake AI Maestro and chat webhook)."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from sqlmodel import select
from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from db.engine import SessionFactory
from db.models import Task
from routing.workflow_ids import blocked_workflow_id
from settings import Settings
from tests.support.app import Stack
from tests.support.fakes.sinks import FakeAIMaestro, FakeChatWebhook
from tests.support.files import load_fixture
from tests.support.notifications import group_sent, rows, with_settings
from tests.support.record_histories import RecordHistory
from tests.support.waiting import activity_starts, children_started, eventually, started
from tests.support.webhooks import deliver
from worker import build_worker
from workflows.blocked_task import BlockedTaskResult, BlockedTaskWorkflow

pytestmark = pytest.mark.usefixtures("notify_settings")

BLOCKED = "events/issues.labeled_blocked.json"
EVERY_SINK = ["default/aimaestro", "default/chat", "default/logfile"]


class Blocked(NamedTuple):
    """An issue of a repository of the test's own, labelled blocked: hookflow's reply and the
    handle of the workflow it started."""

    repo: str
    response: httpx.Response
    handle: WorkflowHandle[Any, Any]


async def block(api: httpx.AsyncClient, client: Client, *, unblock: bool = False) -> Blocked:
    """Label issue 42 of a new repository `blocked` (`unblock`: remove the label instead).
    A repository of its own: the workflow id is the issue's business key, and another test
    (stack/delivery/test_webhook_fuzz.py) may have started the fixture's on a queue no worker
    polls."""
    payload = copy.deepcopy(load_fixture(BLOCKED))
    repo = f"acme/blocked-{uuid.uuid4().hex[:8]}"
    payload["repository"]["full_name"] = repo
    response = await deliver(api, "issues", payload)
    handle = await started(client, blocked_workflow_id(repo, payload["issue"]["number"]))
    return Blocked(repo, response, handle)


async def unblock(api: httpx.AsyncClient, repo: str) -> None:
    payload = copy.deepcopy(load_fixture(BLOCKED))
    payload["repository"]["full_name"] = repo
    payload["action"] = "unlabeled"
    assert (await deliver(api, "issues", payload)).status_code == 200


def task_blocked(maestro: FakeAIMaestro) -> list[dict[str, Any]]:
    return [m for m in maestro.messages if m["content"]["context"]["type"] == "task_blocked"]


def level(message: dict[str, Any]) -> int:
    return int(message["content"]["context"]["payload_summary"]["level"])


def logged(path: str) -> str:
    """The log file the logfile sink wrote."""
    return Path(path).read_text()


def posts(server: FakeAIMaestro) -> int:
    return len([a for a in server.attempts if a.method == "POST"])


async def task_status(sessions: SessionFactory, repo: str, status: str) -> bool:
    async with sessions() as session:
        task = (await session.exec(select(Task).where(Task.repo == repo))).first()
    return task is not None and task.status == status


async def attempts(handle: WorkflowHandle[Any, Any], activity_type: str) -> list[int]:
    """The attempt that ended each `activity_type` activity of the run."""
    return [s.attempt for kind, s in await activity_starts(handle) if kind == activity_type]


async def test_blocked_issue_is_sent_once_to_each_sink_by_its_task_without_a_child(
    stack: Stack, maestro: FakeAIMaestro, chat: FakeChatWebhook
) -> None:
    api, sessions, temporal_client, _ = stack
    blocked = await block(api, temporal_client)
    body = blocked.response.json()
    assert body["status"] == "accepted"
    assert body["notifications"] == [{"type": "task_blocked", "priority": "high"}]
    # BlockedTaskWorkflow (issue 5) sends it; routing starts no NotificationWorkflow.
    assert body["workflowIds"] == [blocked.handle.id]
    # Its first level goes out at once; the next is hours away.
    await eventually(lambda: task_blocked(maestro), what="the first level")
    [notice] = await group_sent(temporal_client, blocked.handle.id)
    run_id = (await blocked.handle.describe()).run_id
    assert notice.key == f"{blocked.handle.id}-{run_id[:8]}-level-0"
    assert sorted(notice.sends) == EVERY_SINK
    # No child: not in the task's history, and no workflow under the child's old id.
    assert await children_started(blocked.handle) == []
    with pytest.raises(RPCError) as caught:
        await temporal_client.get_workflow_handle(notice.key).describe()
    assert caught.value.status == RPCStatusCode.NOT_FOUND
    assert len(task_blocked(maestro)) == 1 and len(chat.bodies) == 1
    [row] = await rows(sessions)
    assert (row.dedupe_key, row.workflow_id, row.status) == (notice.key, blocked.handle.id, "sent")
    assert {sink: (s["status"], s["attempts"]) for sink, s in row.sink_status.items()} == {
        "logfile": ("sent", 1),
        "aimaestro": ("sent", 1),
        "chat": ("sent", 1),
    }
    assert "task_blocked" in logged(row.sink_status["logfile"]["path"])


async def test_blocked_notice_is_sent_once_when_its_sink_fails_then_answers(
    stack: Stack, maestro: FakeAIMaestro
) -> None:
    api, sessions, temporal_client, _ = stack
    maestro.fail_next(1, 503)
    blocked = await block(api, temporal_client)
    await eventually(lambda: task_blocked(maestro), what="the retried message")
    [notice] = await group_sent(temporal_client, blocked.handle.id)
    # One send, retried by Temporal: the same activity's second attempt, one message.
    assert sorted(notice.sends) == EVERY_SINK
    assert await attempts(blocked.handle, "notify.aimaestro") == [2]
    assert posts(maestro) == 2 and len(task_blocked(maestro)) == 1
    [row] = await rows(sessions)
    assert row.status == "sent"
    assert (row.sink_status["aimaestro"]["status"], row.sink_status["aimaestro"]["attempts"]) == (
        "sent",
        2,
    )


class _LoseFirstResult(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        result = await super().execute_activity(input)
        info = activity.info()
        if info.activity_type == "notify.aimaestro" and info.attempt == 1:
            raise ApplicationError("the worker died before Temporal heard of the send")
        return result


class LoseFirstSend(Interceptor):
    """AI Maestro's first attempt sends, then its result is lost (as when a worker dies)."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _LoseFirstResult(next)


async def test_blocked_notice_whose_send_result_was_lost_is_not_sent_again(
    api: httpx.AsyncClient,
    sessions: SessionFactory,
    temporal_client: Client,
    settings: Settings,
    maestro: FakeAIMaestro,
) -> None:
    async with build_worker(temporal_client, settings, sessions, interceptors=[LoseFirstSend()]):
        blocked = await block(api, temporal_client)
        await eventually(lambda: task_blocked(maestro), what="the first level")
        await eventually(
            lambda: attempts(blocked.handle, "notify.aimaestro"), what="the retry to end"
        )
        await group_sent(temporal_client, blocked.handle.id)
    # The retry read the row (sent by attempt 1) and did not post again.
    assert await attempts(blocked.handle, "notify.aimaestro") == [2]
    assert posts(maestro) == 1 and len(task_blocked(maestro)) == 1
    [row] = await rows(sessions)
    assert row.status == "sent" and row.sink_status["aimaestro"]["status"] == "sent"


@with_settings(blocked_escalation_delays="1s,2s")
async def test_a_sink_that_is_down_holds_up_neither_the_ladder_nor_other_sinks_and_the_end_waits(
    stack: Stack, maestro: FakeAIMaestro, chat: FakeChatWebhook, record_history: RecordHistory
) -> None:
    api, sessions, temporal_client, _ = stack
    maestro.fail_next(1_000_000, 429, {"Retry-After": "1"})  # down: retried every second
    blocked = await block(api, temporal_client)

    async def climbed() -> dict[str, Any] | None:
        state: dict[str, Any] = await blocked.handle.query(BlockedTaskWorkflow.state)
        return state if state["level"] == 2 and len(chat.bodies) == 3 else None

    # Every level fired and reached the chat while AI Maestro refused all three.
    state = await eventually(climbed, what="the last level while AI Maestro is down")
    assert state["notifications"] == 3 and state["sending"] == 3
    assert task_blocked(maestro) == []
    await unblock(api, blocked.repo)

    async def ended_by() -> str | None:
        value: str | None = (await blocked.handle.query(BlockedTaskWorkflow.state))["ended_by"]
        return value

    assert await eventually(ended_by, what="the unblocked signal") == "unblocked"
    await eventually(lambda: task_status(sessions, blocked.repo, "open"), what="the task open")
    # Its task is open again, but it waits for its sends instead of ending (the end would drop
    # them): the three AI Maestro sends are all that is left.
    described = await blocked.handle.describe()
    assert described.status == WorkflowExecutionStatus.RUNNING
    pending = described.raw_description.pending_activities
    assert [a.activity_type.name for a in pending] == ["notify.aimaestro"] * 3
    maestro.fail_next(0)  # back up
    handle = temporal_client.get_workflow_handle(blocked.handle.id, result_type=BlockedTaskResult)
    result: BlockedTaskResult = await handle.result()
    assert (result.ended_by, result.level, result.notifications) == ("unblocked", 2, 3)
    levels = sorted(level(m) for m in task_blocked(maestro))
    assert levels == [0, 1, 2]
    assert len(chat.bodies) == 3
    recorded = await rows(sessions)
    assert [r.status for r in recorded] == ["sent"] * 3
    assert all(r.sink_status["aimaestro"]["attempts"] > 1 for r in recorded)
    await record_history("blocked_task/sink_down_while_escalating_inline", blocked.handle.id)
