"""Catch-up after a Temporal outage: while Temporal cannot be reached the loop asks its health
instead of failing row after row, and once it answers, deliveries waiting out a backoff (up to
minutes after a long outage) are started at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import col
from temporalio.client import Client

from db.engine import SessionFactory
from db.models import WebhookEvent
from delivery.dispatcher import RECOVERY_CHECK, Dispatcher
from tests.support.outbox_rows import insert, load, start_plan


async def failed_during_the_outage(
    sessions: SessionFactory, number: int, *, due_in: timedelta | None
) -> uuid.UUID:
    """A delivery whose start failed five times while Temporal was away, due again in
    `due_in` (None: now)."""
    new_run, plan = start_plan(str(uuid.uuid4()), number)
    event_id = await insert(sessions, new_run, plan, age=timedelta(minutes=1))
    async with sessions() as session:
        await session.execute(
            update(WebhookEvent)
            .where(col(WebhookEvent.id) == event_id)
            .values(
                dispatch_attempts=5,
                next_attempt_at=datetime.now(UTC) + due_in if due_in else None,
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
    later = timedelta(minutes=4)
    waiting = [await failed_during_the_outage(sessions, n, due_in=later) for n in (801, 802, 803)]
    due = await failed_during_the_outage(sessions, 804, due_in=None)
    assert await dispatcher.run_once() == 0  # the probe fails on the one due row
    # Away: the next ticks ask Temporal's health, not a row each (no attempt counted).
    assert await dispatcher.run_once() == 0
    assert (await load(sessions, due))[0].dispatch_attempts == 6

    reachable = True
    await asyncio.sleep(RECOVERY_CHECK)  # the next health check is due
    assert await dispatcher.run_once() == 4
    for event_id in [*waiting, due]:
        row, _ = await load(sessions, event_id)
        assert (row.dispatch_status, row.next_attempt_at) == ("dispatched", None)
