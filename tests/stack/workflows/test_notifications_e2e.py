"""CI notifications end to end: webhook → Temporal workflows → sinks, on real PostgreSQL and a
real Temporal dev server, with local HTTP servers standing in for AI Maestro and a chat webhook."""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.worker import Replayer, Worker

from contract.actions import DispatchAction
from db.engine import SessionFactory
from db.models import WebhookEvent
from delivery.dispatcher import run_action
from routing.workflow_ids import group_workflow_id, notification_workflow_id
from settings import Settings
from tests.support.app import Stack
from tests.support.fakes.sinks import FakeAIMaestro, FakeChatWebhook
from tests.support.files import load_fixture
from tests.support.notifications import (
    WF_FAILURE,
    finish,
    group_id,
    group_notices,
    group_sent,
    notified,
    rows,
    with_settings,
    workflow_run,
)
from tests.support.record_histories import RecordHistory
from tests.support.waiting import eventually, signals_received, started
from tests.support.webhooks import auth, deliver
from workflows.notification import NotificationInput, NotificationWorkflow
from workflows.notify_group import NotificationGroupWorkflow

pytestmark = pytest.mark.usefixtures("notify_settings")


CHECK_FAILURE = "events/check_run.failure.json"
PR_OPENED = "events/pull_request.opened.json"
PR_MERGED = "events/pull_request.merged.json"
PUSH_MAIN = "events/push.main.json"


def log_files(log_dir: Path, pattern: str) -> list[str]:
    return sorted(p.name for p in log_dir.glob(pattern))


def read_text(path: Path) -> str:
    return path.read_text()


async def settled(client: Client, group: str, failures: int) -> dict[str, Any]:
    """The group's state once it has told about `failures` failures and holds none back: a
    group in this state sends nothing more until a new event (or a reminder) arrives."""

    async def check() -> dict[str, Any] | None:
        state: dict[str, Any] = await client.get_workflow_handle(group).query("state")
        quiet = state["pending"] == 0 and state["batched"] == 0
        return state if quiet and state["failures_total"] == failures else None

    state: dict[str, Any] = await eventually(check, what=f"group {group} to settle")
    return state


def check_group(name: str) -> str:
    return group_workflow_id("check_run", "acme/widgets", name, "feature/retry")


async def test_deliver_pr_opened_sends_exactly_one_message_to_each_sink(
    stack: Stack, maestro: FakeAIMaestro, chat: FakeChatWebhook, record_history: RecordHistory
) -> None:
    api, sessions, temporal_client, settings = stack
    delivery = str(uuid.uuid4())
    response = await deliver(api, "pull_request", load_fixture(PR_OPENED), delivery=delivery)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "accepted"
    assert body["notifications"] == [{"type": "pr_created", "priority": "medium"}]
    assert body["workflowIds"] == [notification_workflow_id(delivery, 0)]

    result = await finish(temporal_client, notification_workflow_id(delivery, 0))
    assert result["sinks"] == {"logfile": "sent", "aimaestro": "sent", "chat": "sent"}
    await record_history(
        "notification/sent_to_every_sink_prepared", notification_workflow_id(delivery, 0)
    )
    [message] = maestro.messages
    assert message["priority"] == "normal" and message["to"] == settings.aimaestro_to
    assert message["content"]["type"] == "notification"
    assert message["content"]["context"]["type"] == "pr_created"
    [chat_body] = chat.bodies
    assert chat_body["type"] == "pr_created" and chat_body["repo"] == "acme/widgets"

    files = log_files(settings.log_path, "*_pull_request.json")
    assert len(files) == 1 and files[0][:8].isdigit() and files[0][8] == "_"
    latest = json.loads(read_text(settings.log_path / "latest.json"))
    assert latest["notification"]["type"] == "pr_created"
    assert (latest["delivery_id"], latest["notification_key"]) == (
        delivery,
        notification_workflow_id(delivery, 0),
    )
    assert latest["payload_summary"]["number"] == latest["notification"]["pr_number"]

    [row] = await rows(sessions)
    assert (row.type, row.priority, row.repo, row.event) == (
        "pr_created",
        "medium",
        "acme/widgets",
        "pull_request",
    )
    assert row.delivery_id == delivery and row.workflow_id == notification_workflow_id(delivery, 0)
    assert {k: (v["status"], v["attempts"]) for k, v in row.sink_status.items()} == {
        "logfile": ("sent", 1),
        "aimaestro": ("sent", 1),
        "chat": ("sent", 1),
    }


async def test_sink_failing_three_times_then_201_gets_exactly_one_message(
    stack: Stack, maestro: FakeAIMaestro, chat: FakeChatWebhook, record_history: RecordHistory
) -> None:
    maestro.fail_next(3, 500)
    delivery, _, result = await notified(stack, "pull_request", PR_MERGED)
    assert result["sinks"]["aimaestro"] == "sent"
    assert len(maestro.attempts) == 4
    assert len(maestro.messages) == 1
    assert len(chat.bodies) == 1
    [row] = await rows(stack.sessions)
    assert row.type == "pr_merged"
    assert row.sink_status["aimaestro"]["attempts"] == 4
    assert row.sink_status["aimaestro"]["status"] == "sent"
    await record_history(
        "notification/sink_failing_then_sent_prepared", notification_workflow_id(delivery, 0)
    )


async def test_sink_down_does_not_hold_up_the_other_sinks(
    stack: Stack, maestro: FakeAIMaestro, chat: FakeChatWebhook
) -> None:
    api, sessions, _, settings = stack
    maestro.fail_next(1000, 503)
    await deliver(api, "push", load_fixture(PUSH_MAIN))
    await eventually(lambda: chat.bodies, what="chat message")
    await eventually(lambda: log_files(settings.log_path, "*_push.json"), what="log file")
    await eventually(lambda: len(maestro.attempts) >= 2, what="a retried AI Maestro call")

    async def statuses() -> dict[str, str]:
        [row] = await rows(sessions)
        return {k: v["status"] for k, v in row.sink_status.items()}

    expected = {"logfile": "sent", "chat": "sent", "aimaestro": "retrying"}

    async def retrying() -> bool:
        return await statuses() == expected

    await eventually(retrying, within=10, what=f"sink statuses {expected}")
    assert maestro.messages == []


@with_settings(notify_group_wait="3s")
async def test_ten_failures_same_workflow_and_branch_in_window_send_one_with_count_10(
    stack: Stack, maestro: FakeAIMaestro, chat: FakeChatWebhook, ci: str
) -> None:
    api, sessions, temporal_client, _ = stack
    payloads = [workflow_run("failure", run_id=1000 + i, name=ci) for i in range(10)]
    responses = await asyncio.gather(*(deliver(api, "workflow_run", p) for p in payloads))
    for response in responses:
        assert response.json()["notifications"] == [{"type": "ci_failure", "priority": "high"}]
        assert group_id(ci) in response.json()["workflowIds"]
    await eventually(lambda: maestro.messages, what="the grouped message")
    # All ten are told and none held back: a second batch would show as a second notice.
    state = await settled(temporal_client, group_id(ci), failures=10)
    group = temporal_client.get_workflow_handle(group_id(ci))
    assert len(await group_notices(group)) == 1
    [message] = maestro.messages
    assert message["content"]["context"]["count"] == 10
    assert "10 times" in message["subject"]
    assert len(chat.bodies) == 1 and chat.bodies[0]["count"] == 10
    [row] = await rows(sessions)
    assert (row.type, row.count, row.priority) == ("ci_failure", 10, "high")
    assert state["red"] is True and state["failures_total"] == 10


@with_settings(notify_group_window="1s")
async def test_failures_in_different_groups_are_not_merged(
    stack: Stack, maestro: FakeAIMaestro, ci: str
) -> None:
    api, _, temporal_client, _ = stack
    await deliver(api, "workflow_run", workflow_run("failure", run_id=1, name=ci))
    await deliver(api, "workflow_run", workflow_run("failure", run_id=2, name=ci, branch="develop"))
    await deliver(api, "workflow_run", workflow_run("failure", run_id=3, name=f"{ci} lint"))
    await eventually(lambda: len(maestro.messages) >= 3, what="three messages")
    for group in (group_id(ci), group_id(ci, "develop"), group_id(f"{ci} lint")):
        await settled(temporal_client, group, failures=1)
        [notice] = await group_sent(temporal_client, group)
        assert sorted(notice.sends) == ["default/aimaestro", "default/chat", "default/logfile"]
    assert sorted(m["subject"] for m in maestro.messages) == [
        f"[ci_failure] CI failed: {ci} lint on main",
        f"[ci_failure] CI failed: {ci} on develop",
        f"[ci_failure] CI failed: {ci} on main",
    ]


async def test_redelivered_event_sends_nothing_new(
    stack: Stack, maestro: FakeAIMaestro, chat: FakeChatWebhook
) -> None:
    api, sessions, temporal_client, settings = stack
    delivery, first, _ = await notified(stack, "pull_request", PR_OPENED)
    again = await deliver(api, "pull_request", load_fixture(PR_OPENED), delivery=delivery)
    assert again.json() == first.json()
    # A dispatcher replaying the recorded plan (e.g. after a crash) starts nothing either.
    async with sessions() as session:
        [event] = (await session.exec(select(WebhookEvent))).all()
    plan = [DispatchAction.from_json(action) for action in event.dispatch_plan]
    for action in plan:  # every planned workflow has closed before it is asked to start again
        await finish(temporal_client, action.workflow_id)
    runs = {
        a.workflow_id: (await temporal_client.get_workflow_handle(a.workflow_id).describe()).run_id
        for a in plan
    }
    for action in plan:
        await run_action(temporal_client, action, settings.temporal_task_queue)
    # No new run of any planned workflow: the one that sent has finished and stays the latest.
    for workflow_id, run_id in runs.items():
        latest = await temporal_client.get_workflow_handle(workflow_id).describe()
        assert latest.run_id == run_id and latest.status == WorkflowExecutionStatus.COMPLETED
    assert len(maestro.messages) == 1 and len(chat.bodies) == 1
    assert len(await rows(sessions)) == 1
    assert len(log_files(settings.log_path, "*_pull_request.json")) == 1


async def test_replayed_group_signal_counts_the_failure_once(
    stack: Stack, maestro: FakeAIMaestro, ci: str
) -> None:
    api, sessions, temporal_client, settings = stack
    await deliver(api, "workflow_run", workflow_run("failure", run_id=7, name=ci))
    async with sessions() as session:
        [event] = (await session.exec(select(WebhookEvent))).all()
    [action] = [a for a in event.dispatch_plan if a["workflow_id"] == group_id(ci)]
    await run_action(
        temporal_client, DispatchAction.from_json(action), settings.temporal_task_queue
    )
    await eventually(lambda: maestro.messages, what="the failure message")
    group = temporal_client.get_workflow_handle(group_id(ci))
    assert await signals_received(group, "event") >= 2  # the replay did reach the group
    await settled(temporal_client, group_id(ci), failures=1)
    assert len(await group_notices(group)) == 1
    [message] = maestro.messages
    assert message["content"]["context"].get("count", 1) == 1
    [row] = await rows(sessions)
    assert row.count == 1


async def test_workflow_run_failure_suppresses_check_run_failure_for_same_sha(
    stack: Stack, maestro: FakeAIMaestro, ci: str, record_history: RecordHistory
) -> None:
    api, sessions, temporal_client, _ = stack
    check = copy.deepcopy(load_fixture(CHECK_FAILURE))
    check["check_run"]["name"] = f"{ci} test"
    sha = check["check_run"]["head_sha"]
    other = copy.deepcopy(check)
    other["check_run"]["head_sha"] = "0" * 40
    other["check_run"]["name"] = f"{ci} lint"
    response = await deliver(api, "check_run", check)
    assert response.json()["notifications"] == [{"type": "ci_failure", "priority": "medium"}]
    await deliver(api, "check_run", other)
    await deliver(
        api,
        "workflow_run",
        workflow_run("failure", run_id=5, name=ci, sha=sha, branch="feature/retry"),
    )
    await eventually(lambda: len(maestro.messages) >= 2, what="two messages")
    # A check group ends after its batch: the suppressed one ended having sent nothing.
    suppressed = await started(temporal_client, check_group(f"{ci} test"))
    await suppressed.result()
    assert await group_notices(suppressed) == []
    await record_history("notify_group/check_run_suppressed_inline", check_group(f"{ci} test"))
    reported = await started(temporal_client, check_group(f"{ci} lint"))
    await reported.result()
    assert len(await group_notices(reported)) == 1
    # The lint check is the one reported; its file keeps the name it was first stored under.
    await record_history(
        "notify_group/check_run_covered_by_workflow_run_inline", check_group(f"{ci} lint")
    )
    await settled(temporal_client, group_id(ci, "feature/retry"), failures=1)
    rules = sorted(m["content"]["context"]["rule"] for m in maestro.messages)
    assert rules == ["check_run.failure", "workflow_run.failure"]
    [check_message] = [
        m for m in maestro.messages if m["content"]["context"]["rule"] == "check_run.failure"
    ]
    assert check_message["content"]["context"]["head_sha"] == "0" * 40
    assert len(await rows(sessions)) == 2


@with_settings(notify_group_window="1s", notify_repeat_interval="2s")
async def test_red_branch_sends_reminders_and_one_resolved_when_green(
    stack: Stack, maestro: FakeAIMaestro, ci: str, record_history: RecordHistory
) -> None:
    api, sessions, temporal_client, _ = stack
    group = group_id(ci)
    await deliver(api, "workflow_run", workflow_run("failure", run_id=1, name=ci))
    await eventually(lambda: len(maestro.messages) >= 2, within=20, what="a reminder")
    first, reminder = maestro.messages[:2]
    assert first["subject"] == f"[ci_failure] CI failed: {ci} on main"
    assert reminder["subject"] == f"[ci_failure] Still failing: {ci} on main"
    assert reminder["content"]["context"]["reminder"] == 1

    response = await deliver(api, "workflow_run", workflow_run("success", run_id=2, name=ci))
    assert response.json()["notifications"] == [{"type": "ci_success", "priority": "low"}]
    assert group in response.json()["workflowIds"]
    result = await finish(temporal_client, group)
    assert result["red"] is False
    # The red period's history (timers, reminders, resolution) replays deterministically.
    history = await temporal_client.get_workflow_handle(group).fetch_history()
    await Replayer(workflows=[NotificationGroupWorkflow, NotificationWorkflow]).replay_workflow(
        history
    )
    await record_history("notify_group/red_reminder_resolved_inline", group)

    def resolved() -> list[dict[str, Any]]:
        return [m for m in maestro.messages if m["content"]["context"]["type"] == "ci_resolved"]

    # The group has ended, so it sends nothing more (it sent all before it ended): every
    # message is one of its notices.
    notices = await group_notices(temporal_client.get_workflow_handle(group))
    assert all("default/aimaestro" in n.sends for n in notices)
    assert len(maestro.messages) == len(notices)
    assert len(resolved()) == 1
    assert resolved()[0]["subject"] == f"[ci_resolved] CI recovered: {ci} on main"
    types = [r.type for r in await rows(sessions)]
    assert types[0] == "ci_failure" and types[-1] == "ci_resolved"

    # A later success on a green branch is a plain ci_success notification.
    await deliver(api, "workflow_run", workflow_run("success", run_id=3, name=ci))
    await finish(temporal_client, group)
    await eventually(
        lambda: any(m["content"]["context"]["type"] == "ci_success" for m in maestro.messages),
        what="ci_success",
    )

    async def completed() -> bool:
        desc = await temporal_client.get_workflow_handle(group).describe()
        return desc.status == WorkflowExecutionStatus.COMPLETED

    # A green group ends after one quiet NOTIFY_GROUP_INTERVAL.
    await eventually(completed, what="the green group to end")


@pytest.mark.parametrize(
    ("event", "fixture", "mutate", "reason"),
    [
        (
            "push",
            PUSH_MAIN,
            lambda p: {**p, "ref": "refs/heads/feature/x"},
            "push to branch 'feature/x' is not watched",
        ),
        (
            "check_run",
            CHECK_FAILURE,
            lambda p: {**p, "check_run": {**p["check_run"], "conclusion": "success"}},
            "check_run conclusion 'success' is not notified",
        ),
        (
            "workflow_run",
            WF_FAILURE,
            lambda p: {**p, "action": "requested"},
            "workflow_run action 'requested' is not handled",
        ),
        (
            "pull_request",
            PR_OPENED,
            lambda p: {**p, "action": "synchronize"},
            "pull_request action 'synchronize' is not handled",
        ),
    ],
)
async def test_unnotified_ci_event_is_ignored_with_reason(
    api: httpx.AsyncClient,
    sessions: SessionFactory,
    event: str,
    fixture: str,
    mutate: Callable[[dict[str, Any]], dict[str, Any]],
    reason: str,
) -> None:
    response = await deliver(api, event, mutate(copy.deepcopy(load_fixture(fixture))))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ignored" and body["reason"].startswith(reason)
    async with sessions() as session:
        [row] = (await session.exec(select(WebhookEvent))).all()
    assert row.dispatch_status == "ignored" and row.workflow_ids == []


@with_settings(allowed_repos="acme/widgets")
async def test_allow_list_ignores_and_records_other_repositories(
    api: httpx.AsyncClient,
    sessions: SessionFactory,
) -> None:
    payload = copy.deepcopy(load_fixture(PR_OPENED))
    payload["repository"]["full_name"] = "evil/other"
    response = await deliver(api, "pull_request", payload)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ignored",
        "reason": "repository evil/other is not allowed",
    }
    allowed = await deliver(api, "pull_request", load_fixture(PR_OPENED))
    assert allowed.json()["status"] == "accepted"
    async with sessions() as session:
        events = (await session.exec(select(WebhookEvent))).all()
    by_repo = {e.repo: e for e in events}
    assert by_repo["evil/other"].dispatch_status == "ignored"
    assert by_repo["evil/other"].signature_valid is True
    assert by_repo["acme/widgets"].workflow_ids != []


async def test_get_notifications_filters_paginates_and_requires_token(stack: Stack) -> None:
    api = stack.api
    ids = {}
    for event, fixture in (
        ("pull_request", PR_OPENED),
        ("pull_request", PR_MERGED),
        ("push", PUSH_MAIN),
    ):
        ids[fixture] = (await notified(stack, event, fixture)).delivery

    assert (await api.get("/api/notifications")).status_code == 401
    bad = await api.get("/api/notifications", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401

    async def get(**params: Any) -> dict[str, Any]:
        response = await api.get("/api/notifications", params=params, headers=auth())
        assert response.status_code == 200
        data: dict[str, Any] = response.json()
        return data

    everything = await get()
    assert everything["count"] == 3
    assert [n["type"] for n in everything["data"]] == ["generic", "pr_merged", "pr_created"]
    assert (await get(type="pr_created"))["data"][0]["deliveryId"] == ids[PR_OPENED]
    assert [n["type"] for n in (await get(priority="low"))["data"]] == ["generic", "pr_merged"]
    assert (await get(repo="acme/widgets"))["count"] == 3
    assert (await get(repo="other/repo"))["count"] == 0
    [one] = (await get(delivery_id=ids[PUSH_MAIN]))["data"]
    assert one["type"] == "generic" and one["sinks"]["aimaestro"]["status"] == "sent"
    page = await get(limit=1, offset=1)
    assert page["count"] == 3 and [n["type"] for n in page["data"]] == ["pr_merged"]


@with_settings(notify_group_window="1s")
async def test_group_event_replayed_after_group_ended_sends_nothing_new(
    stack: Stack, maestro: FakeAIMaestro, ci: str
) -> None:
    api, sessions, temporal_client, settings = stack
    check = copy.deepcopy(load_fixture(CHECK_FAILURE))
    check["check_run"]["name"] = ci
    check["check_run"]["head_sha"] = "1" * 40
    await deliver(api, "check_run", check)
    group = group_workflow_id("check_run", "acme/widgets", ci, "feature/retry")
    await finish(temporal_client, group)  # a check group sends its batch and ends
    await eventually(lambda: maestro.messages, what="the check failure message")
    async with sessions() as session:
        [event] = (await session.exec(select(WebhookEvent))).all()
    [action] = [a for a in event.dispatch_plan if a["workflow_id"] == group]
    await run_action(
        temporal_client, DispatchAction.from_json(action), settings.temporal_task_queue
    )
    await finish(temporal_client, group)  # a new group run saw the same event again
    # It looked the notice up by its key: recorded and sent already, so nothing was sent again.
    latest = temporal_client.get_workflow_handle(group)
    [notice] = await group_notices(latest)
    assert notice.sends == []
    assert len(maestro.messages) == 1
    assert len(await rows(sessions)) == 1


async def test_child_style_notifications_of_one_delivery_each_get_their_own_log_file(
    worker: Worker,
    temporal_client: Client,
    settings: Settings,
    sessions: SessionFactory,
    maestro: FakeAIMaestro,
) -> None:
    # How the blocked-task escalation used it (tasks blocked before `blocked-notify-inline`
    # still do): a minimal dict, one delivery, several levels.
    delivery = str(uuid.uuid4())
    for level in range(2):
        notification = {
            "type": "task_blocked",
            "priority": ["high", "urgent"][level],
            "repo": "acme/widgets",
            "event": "issues",
            "summary": f"acme/widgets: still blocked (level {level})",
            "url": "https://github.com/acme/widgets/issues/42",
        }
        await temporal_client.execute_workflow(
            NotificationWorkflow.run,
            NotificationInput.of(notification, delivery_id=delivery),
            id=f"blocked-test-{delivery}-level-{level}",
            task_queue=settings.temporal_task_queue,
        )
    assert [m["priority"] for m in maestro.messages] == ["high", "urgent"]
    assert len(log_files(settings.log_path, "*_issues*.json")) == 2
    found = [(r.type, r.priority, r.delivery_id) for r in await rows(sessions)]
    assert found == [("task_blocked", "high", delivery), ("task_blocked", "urgent", delivery)]


@with_settings(notify_webhook_format="slack", aimaestro_url="")
async def test_slack_format_posts_text_and_unset_aimaestro_url_disables_that_sink(
    stack: Stack, maestro: FakeAIMaestro, chat: FakeChatWebhook
) -> None:
    result = (await notified(stack, "push", PUSH_MAIN)).result
    assert result["sinks"] == {"logfile": "sent", "chat": "sent"}
    [body] = chat.bodies
    assert set(body) == {"text"} and body["text"].startswith("[LOW] generic acme/widgets:")
    assert maestro.attempts == []
    [row] = await rows(stack.sessions)
    assert set(row.sink_status) == {"logfile", "chat"}
