"""Group commit without a database: a failed batch is retried item by item (or fails every waiter
when told not to), and the batch statement writes exactly the columns the row builders fill."""

from __future__ import annotations

import asyncio
import uuid

from delivery import record_batch as ingest_batch
from delivery.group_commit import GroupCommit
from delivery.row import event_row
from routing.decision import Delivery, NewRun, RouteDecision
from runs.admission import received_run_values


async def test_group_commit_retries_a_failed_batch_item_by_item() -> None:
    calls: list[list[str]] = []

    async def write(items: list[str]) -> list[str]:
        calls.append(list(items))
        if "bad" in items:
            raise ValueError("row refused")
        return [item.upper() for item in items]

    commit: GroupCommit[str, str] = GroupCommit(write, window=0.01)
    results = await asyncio.gather(
        *(commit.submit(i) for i in ("a", "bad", "c")), return_exceptions=True
    )
    assert results[0] == "A" and results[2] == "C"
    assert isinstance(results[1], ValueError)
    assert calls[0] == ["a", "bad", "c"]  # one batch first, then each item alone
    assert sorted(map(tuple, calls[1:])) == [("a",), ("bad",), ("c",)]
    await commit.close()


async def test_group_commit_fails_every_waiter_when_told_not_to_retry() -> None:
    async def write(items: list[int]) -> list[int]:
        raise ConnectionError("database away")

    commit: GroupCommit[int, int] = GroupCommit(write, retry_alone=lambda exc: False)
    results = await asyncio.gather(*(commit.submit(i) for i in range(5)), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)


def test_batch_statement_writes_exactly_the_columns_the_row_builders_fill() -> None:
    # A column added to webhook_events or runs must be filled (or left out) on purpose: the
    # batch statement passes one array per column these builders name, and NULL otherwise.
    delivery = Delivery(event="issues", payload={}, delivery_id="d", hook_id="h")
    decision = RouteDecision("ignored", {"status": "ignored"})
    row = event_row(
        delivery,
        decision,
        event_id=uuid.uuid4(),
        dedupe_key="k",
        body_size=2,
        actions=[],
        response={},
    )
    assert set(row) == {c.name for c in ingest_batch._EVENT_COLUMNS}
    new_run = NewRun(str(uuid.uuid4()), "ai-run-x", "o/r", 1, "t", None, None, "b")
    filled = set(received_run_values(new_run, delivery.short_id))
    unfilled = [c for c in ingest_batch._RUN_COLUMNS if c.name not in filled]
    assert all(c.nullable and c.server_default is None for c in unfilled)
