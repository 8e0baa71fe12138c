"""The dispatcher loop's pass: a batch of due rows locked and read in one statement, started
together, their outcomes written in one commit; a request's mark never waits for the pass."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import text
from temporalio.client import Client

from db.engine import SessionFactory
from delivery.dispatch_rows import mark_dispatched
from delivery.dispatcher import Dispatcher
from tests.support.outbox_rows import insert, load, start_plan


async def test_one_pass_starts_every_due_row_and_fails_only_the_poison_one(
    sessions: SessionFactory, temporal_client: Client, task_queue: str
) -> None:
    async def client() -> Client:
        return temporal_client

    dispatcher = Dispatcher(sessions=sessions, client=client, task_queue=task_queue)
    ids = []
    for number in range(500, 512):
        new_run, plan = start_plan(str(uuid.uuid4()), number)
        ids.append(await insert(sessions, new_run, plan, age=timedelta(seconds=30)))
    poison_run, poison = start_plan(str(uuid.uuid4()), 512)
    poison[0]["arg"]["title"] = "T" * 3_000_000  # over Temporal's blob limit
    poison_id = await insert(sessions, poison_run, poison, age=timedelta(seconds=30))

    assert await dispatcher.run_once() == 13
    for event_id in ids:
        row, run = await load(sessions, event_id)
        assert (row.dispatch_status, row.dispatch_progress, row.dispatch_attempts) == (
            "dispatched",
            1,
            1,
        )
        assert row.dispatched_at is not None and row.error is None
        described = await temporal_client.get_workflow_handle(run.workflow_id).describe()
        assert described.task_queue == task_queue
    row, run = await load(sessions, poison_id)
    assert row.dispatch_status == "failed" and "Temporal refused it" in (row.error or "")
    assert run.status == "FAILED"
    assert await dispatcher.run_once() == 0  # nothing left to do


async def test_mark_skips_a_row_the_loop_holds_instead_of_waiting(
    sessions: SessionFactory,
) -> None:
    new_run, plan = start_plan(str(uuid.uuid4()), 600)
    held = await insert(sessions, new_run, plan)
    free_run, free_plan = start_plan(str(uuid.uuid4()), 601)
    free = await insert(sessions, free_run, free_plan)
    async with sessions() as session:
        # What the loop's pass does while it starts the row's workflows.
        await session.execute(
            text("SELECT id FROM webhook_events WHERE id = :id FOR UPDATE"), {"id": held}
        )
        await asyncio.wait_for(mark_dispatched(sessions, [held, free]), timeout=5)
        await session.rollback()
    assert (await load(sessions, held))[0].dispatch_status == "pending"
    assert (await load(sessions, free))[0].dispatch_status == "dispatched"


async def test_a_burst_beyond_the_inline_queue_is_left_to_the_loop(
    sessions: SessionFactory, temporal_client: Client, task_queue: str
) -> None:
    async def client() -> Client:
        return temporal_client

    dispatcher = Dispatcher(
        sessions=sessions, client=client, task_queue=task_queue, inline_queue_limit=0
    )
    new_run, plan = start_plan(str(uuid.uuid4()), 700)
    event_id = await insert(sessions, new_run, plan, age=timedelta(seconds=30))
    dispatcher.dispatch_soon(event_id)
    await asyncio.sleep(0.2)
    assert (await load(sessions, event_id))[0].dispatch_status == "pending"
    assert await dispatcher.run_once() == 1
    assert (await load(sessions, event_id))[0].dispatch_status == "dispatched"
