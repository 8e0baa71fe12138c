"""Group commit of deliveries: every 2xx is a committed row, odd cases fall back cleanly."""

from __future__ import annotations

import asyncio
import copy
import uuid

import httpx
import pytest
from sqlmodel import select

from db.engine import SessionFactory
from db.models import Run, WebhookEvent
from delivery import record_batch as ingest_batch
from delivery.group_commit import GroupCommit
from delivery.row import event_row
from routing.decision import Delivery, NewRun, RouteDecision
from runs.admission import received_run_values
from tests.conftest import deliver, load_fixture

AI_RUN = "events/issues_labeled_ai_run.json"


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


async def test_concurrent_deliveries_each_answered_after_their_own_row(
    api: httpx.AsyncClient,
    sessions: SessionFactory,
) -> None:
    payload = load_fixture("events/issues.labeled_blocked.json")
    payload["issue"]["labels"] = []
    payload["label"] = {"name": "documentation"}
    ids = [str(uuid.uuid4()) for _ in range(30)]
    twice = ids[0]  # the same delivery twice at once: one row, the same answer
    responses = await asyncio.gather(
        *(deliver(api, "issues", payload, delivery=d) for d in [*ids, twice])
    )
    assert [r.status_code for r in responses] == [200] * 31
    assert responses[0].json() == responses[-1].json()
    async with sessions() as session:
        rows = (await session.exec(select(WebhookEvent))).all()
    assert sorted(r.delivery_id or "" for r in rows) == sorted(ids)
    assert all(r.payload["issue"]["number"] == payload["issue"]["number"] for r in rows)


@pytest.mark.parametrize("copies", [3])
async def test_ai_run_deliveries_for_one_issue_at_once_make_one_run(
    api: httpx.AsyncClient,
    sessions: SessionFactory,
    copies: int,
) -> None:
    payload = copy.deepcopy(load_fixture(AI_RUN))
    payload["issue"]["number"] = 4242
    responses = await asyncio.gather(*(deliver(api, "issues", payload) for _ in range(copies)))
    assert [r.status_code for r in responses] == [200] * copies
    run_ids = {r.json()["runId"] for r in responses}
    async with sessions() as session:
        runs = (await session.exec(select(Run).where(Run.issue_number == 4242))).all()
        events = (await session.exec(select(WebhookEvent))).all()
    assert len(runs) == 1 and run_ids == {str(runs[0].id)}
    assert len(events) == copies


async def test_ai_run_batch_attaches_to_active_run_and_starts_the_new_issue(
    api: httpx.AsyncClient,
    sessions: SessionFactory,
) -> None:
    # No worker: the first run stays RECEIVED (active) while the next two arrive together.
    active = copy.deepcopy(load_fixture(AI_RUN))
    active["issue"]["number"] = 5151
    fresh = copy.deepcopy(active)
    fresh["issue"]["number"] = 5152
    first = (await deliver(api, "issues", active)).json()
    again, new = await asyncio.gather(deliver(api, "issues", active), deliver(api, "issues", fresh))
    assert again.json()["runId"] == first["runId"]
    assert new.status_code == 200 and new.json()["issueNumber"] == 5152
    async with sessions() as session:
        runs = (await session.exec(select(Run))).all()
        events = (await session.exec(select(WebhookEvent))).all()
    assert sorted((r.issue_number, str(r.id)) for r in runs) == sorted(
        [(5151, first["runId"]), (5152, new.json()["runId"])]
    )
    assert len(events) == 3
    # The payload is stored as sent (the body's own text, parsed by PostgreSQL).
    assert {e.payload["issue"]["number"] for e in events} == {5151, 5152}


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
