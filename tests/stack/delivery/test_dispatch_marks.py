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
from db.writers import WriterConnections
from delivery.dispatch_rows import mark_dispatched
from settings import Settings
from tests.support.outbox_rows import insert, load, start_plan


@pytest_asyncio.fixture
async def writers(settings: Settings) -> AsyncIterator[WriterConnections]:
    connections = WriterConnections(settings.database_url)
    yield connections
    await connections.close()


async def row(sessions: SessionFactory, number: int, status: str = "pending") -> uuid.UUID:
    new_run, plan = start_plan(str(uuid.uuid4()), number)
    return await insert(sessions, new_run, plan, status=status)


async def test_marks_pending_rows_and_leaves_the_others(
    sessions: SessionFactory, writers: WriterConnections
) -> None:
    pending = [await row(sessions, n) for n in (900, 901, 902)]
    failed = await row(sessions, 903, "failed")
    await mark_dispatched(sessions, [*pending, failed], writers)
    for event_id in pending:
        marked, _ = await load(sessions, event_id)
        assert (marked.dispatch_status, marked.dispatch_progress, marked.dispatch_attempts) == (
            "dispatched",
            1,
            1,
        )
        assert marked.dispatched_at is not None and marked.error is None
    untouched, _ = await load(sessions, failed)
    assert (untouched.dispatch_status, untouched.dispatched_at) == ("failed", None)


async def test_a_row_the_loop_holds_is_skipped_not_waited_for(
    sessions: SessionFactory, writers: WriterConnections
) -> None:
    held, free = await row(sessions, 910), await row(sessions, 911)
    async with sessions() as session:
        await session.execute(
            text("SELECT id FROM webhook_events WHERE id = :id FOR UPDATE"), {"id": held}
        )
        await asyncio.wait_for(mark_dispatched(sessions, [held, free], writers), timeout=5)
        await session.rollback()
    assert (await load(sessions, held))[0].dispatch_status == "pending"
    assert (await load(sessions, free))[0].dispatch_status == "dispatched"
