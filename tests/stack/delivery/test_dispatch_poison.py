"""Poison deliveries end: refused at once, transient errors back off then fail, failed runs stop
blocking their issue, failed deliveries are visible and retryable; long inputs still start."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlmodel import select
from temporalio.client import Client

from db.engine import SessionFactory
from db.models import WebhookEvent
from delivery.dispatcher import Dispatcher, Result
from tests.support.files import load_fixture
from tests.support.outbox_rows import insert, load, start_plan
from tests.support.waiting import eventually
from tests.support.webhooks import auth, deliver

AI_RUN = "events/issues_labeled_ai_run.json"


async def test_dispatch_refused_by_temporal_fails_at_once_and_frees_the_issue(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    # A plan recorded before titles were bounded: 3 MB is over Temporal's blob limit.
    new_run, plan = start_plan(str(uuid.uuid4()), 42)
    plan[0]["arg"]["title"] = "T" * 3_000_000  # as stored, not as run_input bounds it today
    event_id = await insert(sessions, new_run, plan)

    async def failed() -> bool:
        row, _ = await load(sessions, event_id)
        return row.dispatch_status == "failed"

    await eventually(failed, within=30, what="poison delivery failed")
    row, run = await load(sessions, event_id)
    assert row.dispatch_attempts == 1 and "Temporal refused it" in (row.error or "")
    assert run.status == "FAILED" and "refused" in (run.error or "")
    ready = (await api.get("/readyz")).json()
    assert ready["deliveries"] == {"pending": 0, "failed": 1}
    # The issue is free again: a new label starts a new run instead of attaching.
    body = (await deliver(api, "issues", load_fixture(AI_RUN))).json()
    assert body["status"] == "accepted" and body["runId"] != new_run.run_id


async def unreachable() -> Client:
    raise RuntimeError("Failed client connect: connection refused")


async def test_transient_errors_back_off_then_fail_after_max_attempts(
    sessions: SessionFactory, task_queue: str
) -> None:
    dispatcher = Dispatcher(
        sessions=sessions, client=unreachable, task_queue=task_queue, interval=1.0, max_attempts=3
    )
    new_run, plan = start_plan(str(uuid.uuid4()), 7)
    event_id = await insert(sessions, new_run, plan)
    waits = []
    for _ in range(2):
        assert await dispatcher.attempt(event_id) == Result.RETRY
        row, run = await load(sessions, event_id)
        assert row.dispatch_status == "pending" and row.next_attempt_at is not None
        assert run.status == "RECEIVED"
        waits.append(row.next_attempt_at - datetime.now(UTC))
        # Not due yet: the loop leaves it alone until its backoff has passed.
        assert event_id not in await dispatcher.pending_ids()
    assert waits[1] > waits[0] + timedelta(milliseconds=500)
    assert await dispatcher.attempt(event_id) == Result.FAILED
    row, run = await load(sessions, event_id)
    assert row.dispatch_status == "failed" and "after 3 attempts" in (row.error or "")
    assert run.status == "FAILED"


async def test_transient_error_after_max_age_fails(
    sessions: SessionFactory, task_queue: str
) -> None:
    dispatcher = Dispatcher(
        sessions=sessions, client=unreachable, task_queue=task_queue, max_age=timedelta(days=3)
    )
    new_run, plan = start_plan(str(uuid.uuid4()), 8)
    event_id = await insert(sessions, new_run, plan, age=timedelta(days=3, minutes=1))
    assert await dispatcher.attempt(event_id) == Result.FAILED
    row, _ = await load(sessions, event_id)
    assert "DISPATCH_MAX_AGE" in (row.error or "")


async def test_retry_failed_delivery_starts_it_and_revives_its_run(
    api: httpx.AsyncClient, sessions: SessionFactory, temporal_client: Client
) -> None:
    new_run, plan = start_plan(str(uuid.uuid4()), 9)
    event_id = await insert(sessions, new_run, plan, status="failed", run_status="FAILED")
    pending = await api.post(f"/api/deliveries/{uuid.uuid4()}/retry", headers=auth())
    assert pending.status_code == 404
    response = await api.post(f"/api/deliveries/{event_id}/retry", headers=auth())
    assert response.status_code == 202 and response.json()["status"] == "pending"

    async def dispatched() -> bool:
        row, _ = await load(sessions, event_id)
        return row.dispatch_status == "dispatched"

    await eventually(dispatched, within=30, what="retried delivery dispatched")
    _, run = await load(sessions, event_id)
    assert run.status == "RECEIVED"
    handle = temporal_client.get_workflow_handle(new_run.workflow_id)
    assert (await handle.describe()).id == new_run.workflow_id
    await handle.terminate("test over")
    again = await api.post(f"/api/deliveries/{event_id}/retry", headers=auth())
    assert again.status_code == 409


async def test_deliveries_with_huge_names_and_ids_are_started(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    payload = copy.deepcopy(load_fixture("events/workflow_run.failure.json"))
    payload["repository"]["full_name"] = "o" * 99 + "/" + "r" * 100
    payload["workflow_run"]["head_repository"]["full_name"] = "o" * 99 + "/" + "r" * 100
    payload["workflow_run"]["name"] = "N a m e " * 300
    push = copy.deepcopy(load_fixture("events/push.main.json"))
    push["head_commit"]["message"] = "M" * 3_000_000
    responses = [
        await deliver(api, "workflow_run", payload, delivery="D" * 5000),
        await deliver(api, "push", push, delivery="P" * 5000),
    ]
    assert [r.json()["status"] for r in responses] == ["accepted", "accepted"]

    async def all_dispatched() -> list[WebhookEvent] | None:
        async with sessions() as session:
            rows = list((await session.exec(select(WebhookEvent))).all())
        return rows if all(r.dispatch_status == "dispatched" for r in rows) else None

    rows = await eventually(all_dispatched, within=30, what="long deliveries started")
    ids = [w for r in rows for w in r.workflow_ids]
    assert len(ids) >= 3 and all(len(w) <= 200 and " " not in w for w in ids)
