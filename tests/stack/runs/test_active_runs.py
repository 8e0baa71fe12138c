"""The one admission rule (runs/admission.py) on the real database: create a run, or attach to
the issue's active one; a replay of the creating delivery creates nothing; a lost race attaches."""

from __future__ import annotations

import asyncio
import uuid

from sqlmodel import select

from contract.names import Workflow
from db.engine import SessionFactory
from db.models import Run, WebhookEvent
from delivery.manual import ManualStart, record_manual_start
from routing.ai_run import new_run_for, start_run_action
from runs.admission import active_run, admit, commit_admitted

REPO = "octo-org/octo-repo"


def _new(issue: int, run_id: str | None = None):  # noqa: ANN202 - NewRun
    return new_run_for(REPO, issue, run_id or str(uuid.uuid4()))


async def _admit_and_commit(sessions: SessionFactory, issue: int) -> tuple[str, bool]:
    new_run = _new(issue)
    action = start_run_action(new_run, None)
    async with sessions() as session:
        admitted = await admit(session, [action], {"status": "accepted"}, new_run, "d")
        if admitted.attached is not None:
            return str(admitted.attached.id), True
        assert admitted.run is not None
        session.add(admitted.run)
        if await commit_admitted(session, admitted, new_run):
            return new_run.run_id, False
    async with sessions() as session:  # lost the race: the rule says attach
        again = await admit(session, [action], {}, new_run, "d")
        assert again.attached is not None
        return str(again.attached.id), True


async def test_admit_creates_the_run_row_and_keeps_the_plan(sessions: SessionFactory) -> None:
    new_run = _new(5)
    action = start_run_action(new_run, "d-5")
    async with sessions() as session:
        admitted = await admit(session, [action], {"status": "accepted"}, new_run, "d-5")
        assert admitted.attached is None and admitted.actions == [action]
        assert admitted.run is not None and admitted.run.status == "RECEIVED"
        assert admitted.run.delivery_id == "d-5" and admitted.run.workflow_id == new_run.workflow_id
        session.add(admitted.run)
        await session.commit()


async def test_admit_attaches_to_the_active_run_and_drops_its_start(
    sessions: SessionFactory,
) -> None:
    first, attached = await _admit_and_commit(sessions, 7)
    assert not attached
    second = _new(7)
    async with sessions() as session:
        admitted = await admit(session, [start_run_action(second, None)], {}, second, None)
    assert admitted.run is None and admitted.actions == []
    assert admitted.attached is not None and str(admitted.attached.id) == first
    assert admitted.response == {
        "status": "accepted",
        "runId": first,
        "repo": REPO,
        "issueNumber": 7,
    }


async def test_admit_for_a_run_that_exists_under_its_own_id_creates_nothing(
    sessions: SessionFactory,
) -> None:
    run_id, _ = await _admit_and_commit(sessions, 9)
    again = _new(9, run_id)
    action = start_run_action(again, None)
    async with sessions() as session:
        admitted = await admit(session, [action], {"status": "accepted"}, again, None)
    # A replay of the creating delivery: its plan stands (the workflow id makes it idempotent).
    assert admitted.run is None and admitted.attached is None and admitted.actions == [action]


async def test_admit_after_a_finished_run_creates_a_new_one(sessions: SessionFactory) -> None:
    first, _ = await _admit_and_commit(sessions, 8)
    async with sessions() as session:
        run = await session.get(Run, uuid.UUID(first))
        assert run is not None
        run.status = "SUCCEEDED"
        session.add(run)
        await session.commit()
    second, attached = await _admit_and_commit(sessions, 8)
    assert not attached and second != first


async def test_concurrent_admissions_for_one_issue_make_one_run(sessions: SessionFactory) -> None:
    results = await asyncio.gather(*(_admit_and_commit(sessions, 11) for _ in range(6)))
    assert len({run_id for run_id, _ in results}) == 1
    assert sorted(attached for _, attached in results) == [False] + [True] * 5
    async with sessions() as session:
        found = await active_run(session, REPO, 11)
        assert found is not None and str(found.id) == results[0][0]


async def test_manual_start_stores_the_plan_and_a_retry_finds_its_own_row(
    sessions: SessionFactory,
) -> None:
    run_id = str(uuid.uuid4())

    async def start(key: str, run: str) -> ManualStart:
        return await record_manual_start(
            sessions,
            repo=REPO,
            issue_number=12,
            run_id=run,
            source="command",
            key=key,
            due_now=True,
        )

    first = await start("c-1", run_id)
    again = await start("c-1", run_id)
    assert not first.attached and not again.attached
    assert str(first.run.id) == str(again.run.id) == run_id
    assert first.event_id is not None and again.event_id == first.event_id
    async with sessions() as session:
        rows = (await session.exec(select(WebhookEvent).where(WebhookEvent.repo == REPO))).all()
    (row,) = [r for r in rows if r.id == first.event_id]
    assert row.event_type == "hookflow_run" and row.dispatch_status == "pending"
    assert row.next_attempt_at is not None  # the dispatcher loop's at once
    assert [a["workflow"] for a in row.dispatch_plan] == [Workflow.RUN]
    assert row.dispatch_plan[0]["arg"]["run_id"] == run_id
    other = await start("c-2", str(uuid.uuid4()))
    assert other.attached and str(other.run.id) == run_id and other.event_id is None
