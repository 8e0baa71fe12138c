"""One active run per issue: the partial unique index on `runs` enforces it; these look-ups let
a label, a command or a hand-started run attach to the issue's active run instead."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contract.statuses import ACTIVE_RUN_STATUSES
from db.models import Run
from db.types import utcnow
from routing.decision import NewRun


def received_run_values(new_run: NewRun, delivery_id: str | None = None) -> dict[str, Any]:
    """The runs row a new run starts as (mode "code", status RECEIVED), as column values: the
    batch ingest writes these directly, the other paths build the model from them."""
    now = utcnow()
    return {
        "id": uuid.UUID(new_run.run_id),
        "repo": new_run.repo,
        "issue_number": new_run.issue_number,
        "title": new_run.title,
        "body": new_run.body,
        "mode": "code",
        "status": "RECEIVED",
        "iteration": 0,
        "workflow_id": new_run.workflow_id,
        "delivery_id": delivery_id,
        "clone_url": new_run.clone_url,
        "branch": new_run.branch,
        "created_at": now,
        "updated_at": now,
    }


def received_run(new_run: NewRun, delivery_id: str | None = None) -> Run:
    """The row a new run starts as, not yet added."""
    return Run(**received_run_values(new_run, delivery_id))


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


async def fail_unstarted_runs(session: AsyncSession, workflow_ids: list[str], error: str) -> None:
    """Runs whose workflow will never start are FAILED, so they no longer block their issue
    (the caller commits)."""
    if not workflow_ids:
        return
    now = utcnow()
    await session.exec(
        update(Run)
        .where(col(Run.workflow_id).in_(workflow_ids), col(Run.status) == "RECEIVED")
        .values(status="FAILED", error=error, finished_at=now, updated_at=now)
    )
