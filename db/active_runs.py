"""One active run per issue: the partial unique index on `runs` enforces it; these look-ups let
a label, a command or a hand-started run attach to the issue's active run instead."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, or_, tuple_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ACTIVE_RUN_STATUSES, Run
from routing.decision import NewRun


def received_run(new_run: NewRun, delivery_id: str | None = None) -> Run:
    """The row a new run starts as (mode "code", status RECEIVED), not yet added."""
    return Run(
        id=uuid.UUID(new_run.run_id),
        repo=new_run.repo,
        issue_number=new_run.issue_number,
        title=new_run.title,
        body=new_run.body,
        mode="code",
        status="RECEIVED",
        workflow_id=new_run.workflow_id,
        delivery_id=delivery_id,
        clone_url=new_run.clone_url,
        branch=new_run.branch,
    )


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


async def issues_with_active_runs(
    conn: Any,
    issues: set[tuple[str, int]],
) -> set[tuple[str, int]]:
    """Of (repo, issue number) pairs, those with an active run (one query, for a batch)."""
    if not issues:
        return set()
    runs = Run.__table__  # type: ignore[attr-defined]
    query = select(runs.c.repo, runs.c.issue_number).where(
        and_(
            runs.c.status.in_(ACTIVE_RUN_STATUSES),
            or_(*(tuple_(runs.c.repo, runs.c.issue_number) == issue for issue in issues)),
        )
    )
    return {(row[0], row[1]) for row in await conn.execute(query)}
