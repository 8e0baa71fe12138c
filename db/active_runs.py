"""One active run per issue: the partial unique index on `runs` enforces it; these look-ups let
a label, a command or a hand-started run attach to the issue's active run instead."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ACTIVE_RUN_STATUSES, Run


async def active_run(session: AsyncSession, repo: str, issue_number: int) -> Run | None:
    """The issue's active run (RECEIVED … WAITING_CI), if it has one."""
    query = select(Run).where(
        Run.repo == repo, Run.issue_number == issue_number, col(Run.status).in_(ACTIVE_RUN_STATUSES)
    )
    return (await session.exec(query)).first()


async def add_or_attach(session: AsyncSession, run: Run) -> tuple[Run, bool]:
    """Commit `run` and return it, or — when another request created the issue's active run
    first — roll back and return that run; the flag says which (True: attached)."""
    session.add(run)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        active = await active_run(session, run.repo, run.issue_number)
        if active is None:
            raise  # another constraint: not the one-run rule
        return active, True
    return run, False
