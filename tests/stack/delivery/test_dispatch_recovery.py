"""Catch-up after a Temporal outage: while Temporal cannot be reached the loop asks its health
instead of failing row after row, and once it answers, deliveries waiting out a backoff (up to
minutes after a long outage) are started at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlmodel import select
from temporalio.client import Client

from contract.actions import as_arg
from contract.names import Workflow
from db.engine import SessionFactory
from db.models import Run, WebhookEvent
from delivery.dispatcher import RECOVERY_CHECK, Dispatcher
from routing.ai_run import new_run_for, run_input

REPO = "octo-org/octo-repo"


async def backing_off(sessions: SessionFactory, number: int) -> uuid.UUID:
    """A delivery whose start failed during the outage, due again only in four minutes."""
    new_run = new_run_for(REPO, number, str(uuid.uuid4()), title="t")
    action = {
        "kind": "start",
        "workflow": Workflow.RUN,
        "workflow_id": new_run.workflow_id,
        "arg": as_arg(run_input(new_run, "d")),
        "memo": {},
    }
    event_id = uuid.uuid4()
    now = datetime.now(UTC)
    async with sessions() as session:
        session.add(
            Run(
                id=uuid.UUID(new_run.run_id),
                repo=REPO,
                issue_number=number,
                title="t",
                status="RECEIVED",
                workflow_id=new_run.workflow_id,
                branch=new_run.branch,
            )
        )
        session.add(
            WebhookEvent(
                id=event_id,
                event_type="issues",
                payload={},
                signature_valid=True,
                processed_at=(now - timedelta(minutes=1)).replace(tzinfo=None),
                dedupe_key=str(event_id),
                dispatch_status="pending",
                dispatch_plan=[action],
                dispatch_attempts=5,
                next_attempt_at=now + timedelta(minutes=4),
                workflow_ids=[new_run.workflow_id],
                error="dispatch failed (attempt 5): RuntimeError: Failed client connect",
            )
        )
        await session.commit()
    return event_id


async def test_deliveries_backing_off_start_as_soon_as_temporal_answers(
    sessions: SessionFactory, temporal_client: Client, task_queue: str
) -> None:
    reachable = False

    async def client() -> Client:
        if not reachable:
            raise RuntimeError("Failed client connect: Server connection error: refused")
        return temporal_client

    dispatcher = Dispatcher(sessions=sessions, client=client, task_queue=task_queue)
    waiting = [await backing_off(sessions, n) for n in (801, 802, 803)]
    fresh = await backing_off(sessions, 804)
    async with sessions() as session:  # one row is due: the loop's probe fails on it
        row = await session.get(WebhookEvent, fresh)
        assert row is not None
        row.next_attempt_at = None
        session.add(row)
        await session.commit()
    assert await dispatcher.run_once() == 0
    # Away: the next ticks ask Temporal's health, not a row each (no attempt counted).
    assert await dispatcher.run_once() == 0
    async with sessions() as session:
        row = await session.get(WebhookEvent, fresh)
        assert row is not None and row.dispatch_attempts == 6

    reachable = True
    await asyncio.sleep(RECOVERY_CHECK)  # the next health check is due
    assert await dispatcher.run_once() == 4
    async with sessions() as session:
        rows = (
            await session.exec(select(WebhookEvent).where(WebhookEvent.id.in_([*waiting, fresh])))  # type: ignore[attr-defined]
        ).all()
    assert {r.dispatch_status for r in rows} == {"dispatched"}
    assert all(r.next_attempt_at is None for r in rows)
