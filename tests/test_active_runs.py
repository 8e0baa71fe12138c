"""One active run per issue (runs/admission.py) on the real database: a second run attaches."""

from __future__ import annotations

import uuid

from db.engine import SessionFactory
from db.models import Run
from runs.admission import active_run, add_or_attach


def _run(issue_number: int, status: str = "RECEIVED") -> Run:
    run_id = uuid.uuid4()
    return Run(
        id=run_id,
        repo="octo-org/octo-repo",
        issue_number=issue_number,
        mode="code",
        status=status,
        workflow_id=f"ai-run-{run_id}",
    )


async def test_add_or_attach_second_run_for_issue_returns_the_first(
    sessions: SessionFactory,
) -> None:
    first = _run(7)
    async with sessions() as one, sessions() as two:
        kept, attached = await add_or_attach(one, first)
        assert (kept.id, attached) == (first.id, False)
        # The second request did not see the first (it looked before the commit).
        other, attached = await add_or_attach(two, _run(7))
        assert (other.id, attached) == (first.id, True)
    async with sessions() as session:
        found = await active_run(session, "octo-org/octo-repo", 7)
        assert found is not None and found.id == first.id


async def test_add_or_attach_after_finished_run_creates_a_new_one(
    sessions: SessionFactory,
) -> None:
    async with sessions() as session:
        await add_or_attach(session, _run(8, status="SUCCEEDED"))
        new = _run(8)
        kept, attached = await add_or_attach(session, new)
        assert (kept.id, attached) == (new.id, False)
