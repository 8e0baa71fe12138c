"""Blocked task → escalation ladder on durable timers, on Temporal's time-skipping test server.

The production defaults apply (BLOCKED_ESCALATION_DELAYS "4h,24h,72h", BLOCKED_ACK_TIMEOUT
"24h"): `skip_time` moves the server's clock, and each level's `blocked_seconds` (computed
from workflow time) shows when it fired. Nothing moves the clock otherwise, so "nothing more
happens" is read from the workflow's own state.
"""

from __future__ import annotations

import argparse
import io
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from cli.tasks import task_command
from db.engine import SessionFactory
from db.models import Notification, Task
from routing.automation import blocked_workflow_id
from settings import Settings
from tests.support.app import Stack
from tests.support.payloads import issue_payload
from tests.support.record_histories import RecordHistory
from tests.support.waiting import eventually as wait_for
from tests.support.waiting import settled, skip_time
from tests.support.webhooks import auth, deliver
from worker import build_worker
from workflows.blocked_task import BlockedTaskResult, BlockedTaskWorkflow
from workflows.registry import WORKFLOWS

HOUR = 3600
# Virtual seconds a level may fire after its due time: the clock only moves by skip_time, and
# between sleeps it runs at wall speed while activities record the level.
LATE = 120


@pytest.fixture
def temporal_env(time_skipping_env: WorkflowEnvironment) -> WorkflowEnvironment:
    return time_skipping_env


@pytest.fixture
def repo() -> str:
    return f"acme/blocked-{uuid.uuid4().hex[:8]}"


async def skip(client: Client, repo: str, by: timedelta) -> None:
    await skip_time(client, blocked_workflow_id(repo, 42), by)


async def notifications(sessions: SessionFactory, repo: str) -> list[Notification]:
    async with sessions() as session:
        query = (
            select(Notification)
            .where(Notification.repo == repo, Notification.type == "task_blocked")
            .order_by(col(Notification.created_at))
        )
        return list((await session.exec(query)).all())


def level(n: Notification) -> int:
    return int(n.details["payload_summary"]["level"])


def blocked_seconds(n: Notification) -> int:
    return int(n.details["payload_summary"]["blocked_seconds"])


def fired_at(n: Notification, due_hours: float) -> bool:
    due = due_hours * HOUR
    return due <= blocked_seconds(n) <= due + LATE


async def wait_levels(
    sessions: SessionFactory, repo: str, count: int, within: float = 30
) -> list[Notification]:
    async def check() -> list[Notification] | None:
        rows = await notifications(sessions, repo)
        return rows if len(rows) >= count else None

    rows: list[Notification] = await wait_for(check, within, f"{count} notifications")
    return rows


async def block(api: httpx.AsyncClient, sessions: SessionFactory, repo: str) -> None:
    """Label issue 42 blocked and wait for the ladder's first notification (level 0)."""
    await deliver(api, "issues", issue_payload(repo, "labeled"))
    await wait_levels(sessions, repo, 1)


async def state(client: Client, repo: str) -> dict[str, Any]:
    handle = client.get_workflow_handle(blocked_workflow_id(repo, 42))
    result: dict[str, Any] = await handle.query(BlockedTaskWorkflow.state)
    return result


async def ended(client: Client, repo: str) -> BlockedTaskResult:
    handle = client.get_workflow_handle(
        blocked_workflow_id(repo, 42), result_type=BlockedTaskResult
    )
    result: BlockedTaskResult = await handle.result()
    return result


async def task_row(sessions: SessionFactory, repo: str, number: int = 42) -> Task | None:
    async with sessions() as session:
        query = select(Task).where(Task.repo == repo, Task.issue_number == number)
        return (await session.exec(query)).first()


async def acknowledged(client: Client, repo: str) -> bool:
    return (await state(client, repo))["acknowledged_until"] is not None


async def test_blocked_ladder_fires_in_order_with_rising_priority_and_summary(
    stack: Stack, repo: str, temporal_env: WorkflowEnvironment, record_history: RecordHistory
) -> None:
    api, sessions, temporal_client, _ = stack
    # Another task in the same repo, blocked three days before the server's clock: the final
    # summary (72 hours later) lists it as blocked six days.
    now = await temporal_env.get_current_time()
    async with sessions() as session:
        session.add(
            Task(
                repo=repo,
                issue_number=7,
                title="Waiting on vendor",
                status="blocked",
                blocked_since=now - timedelta(days=3),
            )
        )
        await session.commit()
    response = await deliver(api, "issues", issue_payload(repo, "labeled"))
    assert response.status_code == 200
    assert blocked_workflow_id(repo, 42) in response.json()["workflowIds"]
    rows = await wait_levels(sessions, repo, 1)
    await skip(temporal_client, repo, timedelta(hours=4))
    rows = await wait_levels(sessions, repo, 2)
    await skip(temporal_client, repo, timedelta(hours=20))
    rows = await wait_levels(sessions, repo, 3)
    await skip(temporal_client, repo, timedelta(hours=48))
    rows = await wait_levels(sessions, repo, 4)
    assert [level(r) for r in rows] == [0, 1, 2, 3]
    assert [r.priority for r in rows] == ["high", "urgent", "urgent", "urgent"]
    assert blocked_seconds(rows[0]) <= LATE
    assert all(fired_at(r, due) for r, due in zip(rows[1:], [4, 24, 72], strict=True)), [
        blocked_seconds(r) for r in rows
    ]
    assert "Still blocked (4.0 hours)" in rows[1].summary
    summary = rows[3]
    assert "#7 Waiting on vendor" in summary.summary and "#42" in summary.summary
    assert "6.0 days" in summary.summary and "3.0 days" in summary.summary
    assert f"https://github.com/{repo}/issues/7" in summary.summary
    task = await task_row(sessions, repo)
    assert task is not None and task.status == "blocked" and task.escalation_level == 3
    assert task.blocked_since is not None
    # Removing the label ends it; the task is open again.
    await deliver(api, "issues", issue_payload(repo, "unlabeled"))
    result = await ended(temporal_client, repo)
    assert (result.ended_by, result.level, result.notifications) == ("unblocked", 3, 4)
    task = await task_row(sessions, repo)
    assert task is not None and task.status == "open" and task.blocked_since is None
    # Its history (timers, the notices it sent, signals) replays with the current code.
    history = await temporal_client.get_workflow_handle(
        blocked_workflow_id(repo, 42)
    ).fetch_history()
    await Replayer(workflows=WORKFLOWS).replay_workflow(history)
    await record_history(
        "blocked_task/escalated_to_summary_then_unblocked_inline", history.workflow_id
    )


async def test_unblock_stops_the_ladder(stack: Stack, repo: str) -> None:
    api, sessions, temporal_client, _ = stack
    await block(api, sessions, repo)
    await skip(temporal_client, repo, timedelta(hours=4))
    await wait_levels(sessions, repo, 2)
    await deliver(api, "issues", issue_payload(repo, "unlabeled"))
    result = await ended(temporal_client, repo)
    # The workflow ended after two notifications: levels 2 and 3 can no longer fire.
    assert (result.ended_by, result.level, result.notifications) == ("unblocked", 1, 2)
    assert [level(r) for r in await notifications(sessions, repo)] == [0, 1]


async def test_closing_the_issue_ends_escalation_and_closes_task(stack: Stack, repo: str) -> None:
    api, sessions, temporal_client, _ = stack
    await block(api, sessions, repo)
    await deliver(api, "issues", issue_payload(repo, "closed"))
    result = await ended(temporal_client, repo)
    assert (result.ended_by, result.notifications) == ("closed", 1)
    task = await task_row(sessions, repo)
    assert task is not None and task.status == "closed" and task.closed_at is not None


async def test_acknowledge_pauses_then_escalation_resumes_after_timeout(
    stack: Stack, repo: str, record_history: RecordHistory
) -> None:
    api, sessions, temporal_client, _ = stack
    await block(api, sessions, repo)
    owner, name = repo.split("/")
    response = await api.post(f"/api/tasks/{owner}/{name}/42/acknowledge", headers=auth())
    assert response.status_code == 202, response.text
    await wait_for(lambda: acknowledged(temporal_client, repo), 30, "acknowledged")
    # Level 1 is due 4 h after blocking; the acknowledgement holds it for 24 h.
    await skip(temporal_client, repo, timedelta(hours=4, minutes=5))
    held = await state(temporal_client, repo)
    assert (held["level"], held["notifications"]) == (0, 1), held
    await skip(temporal_client, repo, timedelta(hours=20))
    rows = await wait_levels(sessions, repo, 2)
    assert [level(r) for r in rows] == [0, 1]
    assert fired_at(rows[1], 24), blocked_seconds(rows[1])
    task = await task_row(sessions, repo)
    assert task is not None and task.acknowledged_at is not None
    # Resolved by hand: the ladder stops.
    response = await api.post(f"/api/tasks/{owner}/{name}/42/resolve", headers=auth())
    assert response.status_code == 202
    result = await ended(temporal_client, repo)
    assert (result.ended_by, result.level, result.notifications) == ("resolve", 1, 2)
    await record_history(
        "blocked_task/acknowledged_escalated_then_resolved_inline", blocked_workflow_id(repo, 42)
    )


async def test_task_endpoints_need_token_and_a_running_workflow(
    api: httpx.AsyncClient, repo: str
) -> None:
    owner, name = repo.split("/")
    response = await api.post(f"/api/tasks/{owner}/{name}/42/acknowledge")
    assert response.status_code == 401
    response = await api.post(f"/api/tasks/{owner}/{name}/42/resolve", headers=auth())
    assert response.status_code == 404


async def test_cli_task_ack_pauses_escalation(stack: Stack, repo: str) -> None:
    api, sessions, temporal_client, settings = stack
    await block(api, sessions, repo)
    args = argparse.Namespace(action="ack", repo=repo, issue=42, by="tester", api_url=None)
    out, err = io.StringIO(), io.StringIO()
    assert await task_command(args, settings, http=api, out=out, err=err) == 0, err.getvalue()
    assert '"acknowledged"' in out.getvalue()
    await wait_for(lambda: acknowledged(temporal_client, repo), 30, "acknowledged")
    await skip(temporal_client, repo, timedelta(hours=5))
    held = await state(temporal_client, repo)
    assert (held["level"], held["notifications"]) == (0, 1), held
    args = argparse.Namespace(action="ack", repo=repo, issue=99, by="tester", api_url=None)
    assert await task_command(args, settings, http=api, out=out, err=err) == 1


async def test_worker_restart_keeps_the_escalation_schedule(
    api: httpx.AsyncClient,
    sessions: SessionFactory,
    repo: str,
    settings: Settings,
    temporal_client: Client,
) -> None:
    # No workflow cache, so no sticky queue: the server hands the next task straight to the new
    # worker instead of waiting out the old worker's sticky schedule-to-start timeout.
    async with build_worker(temporal_client, settings, sessions, max_cached_workflows=0):
        await block(api, sessions, repo)
        # Let the workflow take its sends' completion on this worker, so stopping it strands
        # no workflow task (the test server's clock cannot move while one waits for a worker).
        await settled(temporal_client, blocked_workflow_id(repo, 42))
    # Three hours with no worker: the server holds the timers.
    await skip(temporal_client, repo, timedelta(hours=3))
    async with build_worker(temporal_client, settings, sessions):
        await skip(temporal_client, repo, timedelta(hours=1))
        rows = await wait_levels(sessions, repo, 2)
        await skip(temporal_client, repo, timedelta(hours=20))
        rows = await wait_levels(sessions, repo, 3)
    assert [level(r) for r in rows] == [0, 1, 2]
    # Not reset by the restart: still 4 h and 24 h after blocking.
    assert fired_at(rows[1], 4) and fired_at(rows[2], 24), [blocked_seconds(r) for r in rows]
