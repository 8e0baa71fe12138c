"""Started deliveries are marked in one UPDATE on the group commit's own connections (one
round trip, no session): pending rows become dispatched with their progress and attempt
counted, other rows are left as they are, and a row the loop holds is skipped, not waited for."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest_asyncio
from sqlalchemy import text

from db.engine import SessionFactory
from db.models import WebhookEvent
from db.writers import WriterConnections
from delivery.dispatch_rows import mark_dispatched
from settings import Settings

PLAN = [{"kind": "start", "workflow": "W", "workflow_id": "w-1"}, {"kind": "signal"}]


@pytest_asyncio.fixture
async def writers(settings: Settings) -> AsyncIterator[WriterConnections]:
    connections = WriterConnections(settings.database_url)
    yield connections
    await connections.close()


async def row(sessions: SessionFactory, status: str) -> uuid.UUID:
    event_id = uuid.uuid4()
    async with sessions() as session:
        session.add(
            WebhookEvent(
                id=event_id,
                event_type="issues",
                payload={},
                signature_valid=True,
                dedupe_key=str(event_id),
                dispatch_status=status,
                dispatch_plan=PLAN,
                error="dispatch failed (attempt 1): timeout" if status == "pending" else None,
            )
        )
        await session.commit()
    return event_id


async def load(sessions: SessionFactory, event_id: uuid.UUID) -> WebhookEvent:
    async with sessions() as session:
        found = await session.get(WebhookEvent, event_id)
        assert found is not None
        return found


async def test_marks_pending_rows_and_leaves_the_others(
    sessions: SessionFactory, writers: WriterConnections
) -> None:
    pending = [await row(sessions, "pending") for _ in range(3)]
    failed = await row(sessions, "failed")
    await mark_dispatched(sessions, [*pending, failed], writers)
    for event_id in pending:
        marked = await load(sessions, event_id)
        assert (marked.dispatch_status, marked.dispatch_progress, marked.dispatch_attempts) == (
            "dispatched",
            2,
            1,
        )
        assert marked.dispatched_at is not None and marked.error is None
    untouched = await load(sessions, failed)
    assert (untouched.dispatch_status, untouched.dispatched_at) == ("failed", None)


async def test_a_row_the_loop_holds_is_skipped_not_waited_for(
    sessions: SessionFactory, writers: WriterConnections
) -> None:
    held, free = await row(sessions, "pending"), await row(sessions, "pending")
    async with sessions() as session:
        await session.execute(
            text("SELECT id FROM webhook_events WHERE id = :id FOR UPDATE"), {"id": held}
        )
        await asyncio.wait_for(mark_dispatched(sessions, [held, free], writers), timeout=5)
        await session.rollback()
    assert (await load(sessions, held)).dispatch_status == "pending"
    assert (await load(sessions, free)).dispatch_status == "dispatched"
