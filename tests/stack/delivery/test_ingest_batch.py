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
from tests.support.files import load_fixture
from tests.support.webhooks import deliver

AI_RUN = "events/issues_labeled_ai_run.json"


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
