"""Blocked task → escalation ladder on durable timers (issue 5), with short delays via settings.

Delays are measured from the moment the task was blocked: with BLOCKED_ESCALATION_DELAYS
"2s,4s,6s" the levels fire at about 0, 2, 4 and 6 seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest
from sqlmodel import col, select
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.worker import Replayer, Worker

from cli.tasks import task_command
from db.engine import SessionFactory
from db.models import Notification, Task
from routing.automation import blocked_workflow_id
from settings import Settings
from tests.conftest import auth, deliver, load_fixture
from tests.waiting import eventually as wait_for
from worker import build_worker
from workflows.registry import WORKFLOWS

T = TypeVar("T")
TOLERANCE = 1.5  # seconds of scheduling slack on a shared 2-core machine


@pytest.fixture
def repo() -> str:
    return f"acme/blocked-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def delays() -> str:
    return "2s,4s,6s"


@pytest.fixture
def ack_timeout() -> str:
    return "4s"


@pytest.fixture
def settings_overrides(delays: str, ack_timeout: str) -> dict[str, Any]:
    return {"blocked_escalation_delays": delays, "blocked_ack_timeout": ack_timeout}


def issue_payload(repo: str, action: str, number: int = 42) -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture("events/issues.labeled_blocked.json"))
    payload["action"] = action
    payload["repository"]["full_name"] = repo
    payload["issue"]["number"] = number
    payload["issue"]["html_url"] = f"https://github.com/{repo}/issues/{number}"
    return payload


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


async def wait_levels(sessions: SessionFactory, repo: str, count: int, within: float = 30
                      ) -> list[Notification]:
    async def check() -> list[Notification] | None:
        rows = await notifications(sessions, repo)
        return rows if len(rows) >= count else None

    rows: list[Notification] = await wait_for(check, within, f"{count} notifications")
    return rows


async def wait_completed(client: Client, workflow_id: str) -> None:
    async def check() -> bool:
        try:
            desc = await client.get_workflow_handle(workflow_id).describe()
        except RPCError:
            return False
        return desc.status == WorkflowExecutionStatus.COMPLETED

    await wait_for(check, 30, f"{workflow_id} completed")


async def wait_settled(client: Client, workflow_id: str) -> None:
    """No child still running and no workflow task pending or in flight."""
    async def check() -> bool:
        raw = (await client.get_workflow_handle(workflow_id).describe()).raw_description
        return not raw.pending_children and not raw.HasField("pending_workflow_task")

    await wait_for(check, 30, f"{workflow_id} settled")


async def task_row(sessions: SessionFactory, repo: str, number: int = 42) -> Task | None:
    async with sessions() as session:
        query = select(Task).where(Task.repo == repo, Task.issue_number == number)
        return (await session.exec(query)).first()


def offsets(rows: list[Notification]) -> list[float]:
    start = rows[0].created_at
    return [(r.created_at - start).total_seconds() for r in rows]


async def test_blocked_ladder_fires_in_order_with_rising_priority_and_summary(
    api: httpx.AsyncClient, worker: Worker, sessions: SessionFactory, repo: str,
    temporal_client: Client,
) -> None:
    # Another task in the same repo, blocked for three days: the final summary lists it.
    async with sessions() as session:
        session.add(Task(repo=repo, issue_number=7, title="Waiting on vendor", status="blocked",
                         blocked_since=datetime.now(UTC) - timedelta(days=3)))
        await session.commit()
    response = await deliver(api, "issues", issue_payload(repo, "labeled"))
    assert response.status_code == 200
    assert blocked_workflow_id(repo, 42) in response.json()["workflowIds"]
    rows = await wait_levels(sessions, repo, 4)
    assert [level(r) for r in rows] == [0, 1, 2, 3]
    assert [r.priority for r in rows] == ["high", "urgent", "urgent", "urgent"]
    for got, want in zip(offsets(rows), [0, 2, 4, 6], strict=True):
        assert abs(got - want) <= TOLERANCE, offsets(rows)
    summary = rows[3]
    assert "#7 Waiting on vendor" in summary.summary and "#42" in summary.summary
    assert "3.0 days" in summary.summary
    assert f"https://github.com/{repo}/issues/7" in summary.summary
    task = await task_row(sessions, repo)
    assert task is not None and task.status == "blocked" and task.escalation_level == 3
    assert task.blocked_since is not None
    # Removing the label ends it; the task is open again.
    await deliver(api, "issues", issue_payload(repo, "unlabeled"))
    await wait_completed(temporal_client, blocked_workflow_id(repo, 42))
    task = await task_row(sessions, repo)
    assert task is not None and task.status == "open" and task.blocked_since is None
    # Its history (timers, child notifications, signals) replays with the current code.
    history = await temporal_client.get_workflow_handle(
        blocked_workflow_id(repo, 42)).fetch_history()
    await Replayer(workflows=WORKFLOWS).replay_workflow(history)


async def test_unblock_stops_the_ladder(
    api: httpx.AsyncClient, worker: Worker, sessions: SessionFactory, repo: str,
    temporal_client: Client,
) -> None:
    await deliver(api, "issues", issue_payload(repo, "labeled"))
    await wait_levels(sessions, repo, 2)
    await deliver(api, "issues", issue_payload(repo, "unlabeled"))
    await wait_completed(temporal_client, blocked_workflow_id(repo, 42))
    await asyncio.sleep(4.5)  # levels 2 and 3 would have fired by now
    assert [level(r) for r in await notifications(sessions, repo)] == [0, 1]


async def test_closing_the_issue_ends_escalation_and_closes_task(
    api: httpx.AsyncClient, worker: Worker, sessions: SessionFactory, repo: str,
    temporal_client: Client,
) -> None:
    await deliver(api, "issues", issue_payload(repo, "labeled"))
    await wait_levels(sessions, repo, 1)
    await deliver(api, "issues", issue_payload(repo, "closed"))
    await wait_completed(temporal_client, blocked_workflow_id(repo, 42))
    task = await task_row(sessions, repo)
    assert task is not None and task.status == "closed" and task.closed_at is not None


async def test_acknowledge_pauses_then_escalation_resumes_after_timeout(
    api: httpx.AsyncClient, worker: Worker, sessions: SessionFactory, repo: str,
) -> None:
    await deliver(api, "issues", issue_payload(repo, "labeled"))
    first = (await wait_levels(sessions, repo, 1))[0]
    owner, name = repo.split("/")
    response = await api.post(f"/api/tasks/{owner}/{name}/42/acknowledge", headers=auth())
    assert response.status_code == 202, response.text
    acked_at = datetime.now(UTC)
    # Level 1 was due 2 s after blocking; the acknowledgement holds it for 4 s.
    await asyncio.sleep(3)
    assert [level(r) for r in await notifications(sessions, repo)] == [0]
    rows = await wait_levels(sessions, repo, 2)
    resumed = (rows[1].created_at - acked_at).total_seconds()
    assert 4 - TOLERANCE <= resumed <= 4 + TOLERANCE, resumed
    assert (rows[1].created_at - first.created_at).total_seconds() > 2 + TOLERANCE
    task = await task_row(sessions, repo)
    assert task is not None and task.acknowledged_at is not None
    # Resolved by hand: the ladder stops.
    response = await api.post(f"/api/tasks/{owner}/{name}/42/resolve", headers=auth())
    assert response.status_code == 202
    await asyncio.sleep(3)
    assert [level(r) for r in await notifications(sessions, repo)] == [0, 1]


async def test_task_endpoints_need_token_and_a_running_workflow(
    api: httpx.AsyncClient, repo: str
) -> None:
    owner, name = repo.split("/")
    response = await api.post(f"/api/tasks/{owner}/{name}/42/acknowledge")
    assert response.status_code == 401
    response = await api.post(f"/api/tasks/{owner}/{name}/42/resolve", headers=auth())
    assert response.status_code == 404


@pytest.mark.parametrize("ack_timeout", ["20s"])
async def test_cli_task_ack_pauses_escalation(
    api: httpx.AsyncClient, worker: Worker, sessions: SessionFactory, repo: str,
    settings: Settings,
) -> None:
    await deliver(api, "issues", issue_payload(repo, "labeled"))
    await wait_levels(sessions, repo, 1)
    args = argparse.Namespace(action="ack", repo=repo, issue=42, by="tester", api_url=None)
    out, err = io.StringIO(), io.StringIO()
    assert await task_command(args, settings, http=api, out=out, err=err) == 0, err.getvalue()
    assert '"acknowledged"' in out.getvalue()
    await asyncio.sleep(3.5)
    assert [level(r) for r in await notifications(sessions, repo)] == [0]
    args = argparse.Namespace(action="ack", repo=repo, issue=99, by="tester", api_url=None)
    assert await task_command(args, settings, http=api, out=out, err=err) == 1


@pytest.mark.parametrize("delays", ["3s,6s,9s"])
async def test_worker_restart_keeps_the_escalation_schedule(
    api: httpx.AsyncClient, sessions: SessionFactory, repo: str, settings: Settings,
    temporal_client: Client,
) -> None:
    # No workflow cache, so no sticky queue: the server hands the next task straight to the new
    # worker instead of waiting out the old worker's sticky schedule-to-start timeout (10 s).
    async with build_worker(temporal_client, settings, sessions, max_cached_workflows=0):
        await deliver(api, "issues", issue_payload(repo, "labeled"))
        await wait_levels(sessions, repo, 1)
        # The level-0 message finishes within a few ms: let the parent take its child's
        # completion on this worker, so stopping it strands no workflow task (10 s timeout).
        await wait_settled(temporal_client, blocked_workflow_id(repo, 42))
    # The worker is gone for a while; the level-1 timer (3 s) runs on the server meanwhile.
    await asyncio.sleep(1.5)
    async with build_worker(temporal_client, settings, sessions):
        rows = await wait_levels(sessions, repo, 3)
    got = offsets(rows)
    assert [level(r) for r in rows] == [0, 1, 2]
    # Not reset by the restart: still 3 s and 6 s after blocking.
    assert abs(got[1] - 3) <= TOLERANCE and abs(got[2] - 6) <= TOLERANCE, got
