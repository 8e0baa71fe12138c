"""One active run per issue: the rule every door that starts a run goes through.

A label (both ingest paths), a replay, `POST /api/runs` and `/hookflow run` all ask `admit`:
create the run (its row built here) or attach to the issue's active one, whose id the answer
then carries. The partial unique index on `runs` enforces the rule in the database; the group
commit applies the same rule inside its one statement (`ACTIVE_RUN_CONFLICT`, `one_run_per_issue`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contract.actions import DispatchAction
from contract.names import Workflow
from contract.statuses import ACTIVE_RUN_STATUSES, RunStatus
from db.models import Run
from db.types import utcnow
from routing.ai_run import accepted_body
from routing.decision import NewRun

T = TypeVar("T")


@dataclass
class Admission:
    """What a door does after the rule: the plan it stores, its answer, and the row it adds."""

    actions: list[DispatchAction]
    response: dict[str, Any]
    run: Run | None = None  # the new run's row, to add in the caller's transaction
    attached: Run | None = None  # the issue's active run, when the request attached to it


def received_run_values(new_run: NewRun, delivery_id: str | None = None) -> dict[str, Any]:
    """The runs row a new run starts as (mode "code", status RECEIVED), as column values: the
    group commit writes these directly, the other doors build the model from them."""
    now = utcnow()
    return {
        "id": uuid.UUID(new_run.run_id),
        "repo": new_run.repo,
        "issue_number": new_run.issue_number,
        "title": new_run.title,
        "body": new_run.body,
        "mode": "code",
        "status": RunStatus.RECEIVED,
        "iteration": 0,
        "workflow_id": new_run.workflow_id,
        "delivery_id": delivery_id,
        "clone_url": new_run.clone_url,
        "branch": new_run.branch,
        "created_at": now,
        "updated_at": now,
    }


async def active_run(session: AsyncSession, repo: str, issue_number: int) -> Run | None:
    """The issue's active run (RECEIVED … WAITING_CI), if it has one."""
    query = select(Run).where(
        Run.repo == repo, Run.issue_number == issue_number, col(Run.status).in_(ACTIVE_RUN_STATUSES)
    )
    return (await session.exec(query)).first()


async def admit(
    session: AsyncSession,
    actions: Sequence[DispatchAction],
    response: dict[str, Any],
    new_run: NewRun | None,
    delivery_id: str | None,
) -> Admission:
    """Create `new_run` or attach to the issue's active run (the plan then starts nothing for
    it, and the answer names the active run). A run that exists under its own id already (a
    replay of the delivery that created it) is neither created again nor attached to."""
    admission = Admission(list(actions), dict(response))
    if new_run is None:
        return admission
    if await session.get(Run, uuid.UUID(new_run.run_id)) is not None:
        return admission
    active = await active_run(session, new_run.repo, new_run.issue_number)
    if active is not None:
        admission.actions = [a for a in actions if a.workflow_id != new_run.workflow_id]
        admission.response = accepted_body(str(active.id), active.repo, active.issue_number)
        admission.attached = active
        return admission
    admission.run = Run(**received_run_values(new_run, delivery_id))
    return admission


async def commit_admitted(session: AsyncSession, admission: Admission, new_run: NewRun) -> bool:
    """Commit the caller's rows; False when another door created the issue's active run first
    (rolled back: ask `admit` again to attach to it)."""
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        if await active_run(session, new_run.repo, new_run.issue_number) is None:
            raise  # another constraint: not the one-run rule
        return False
    return True


# The group commit's form of the rule: a delivery whose run's issue has an active run is left
# out of the batch (the one-delivery path then attaches it). Columns of the batch's `r_` rows.
ACTIVE_RUN_CONFLICT = (
    "SELECT e_dedupe_key FROM batch JOIN runs"
    " ON runs.repo = batch.r_repo AND runs.issue_number = batch.r_issue_number"
    " WHERE runs.status IN (" + ", ".join(f"'{s}'" for s in ACTIVE_RUN_STATUSES) + ")"
)


def one_run_per_issue(items: Iterable[T], issue: Callable[[T], tuple[str, int] | None]) -> list[T]:
    """Of several new runs for one issue in one batch, the first; the others take the
    one-delivery path (and attach to it). Items without a run all stay."""
    seen: set[tuple[str, int]] = set()
    chosen: list[T] = []
    for item in items:
        key = issue(item)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        chosen.append(item)
    return chosen


def unstarted_runs(actions: Iterable[DispatchAction]) -> list[str]:
    """The workflow ids of the runs a plan's remaining actions would start."""
    return [a.workflow_id for a in actions if a.kind == "start" and a.workflow == Workflow.RUN]


async def fail_unstarted_runs(session: AsyncSession, workflow_ids: list[str], error: str) -> None:
    """Runs whose workflow will never start are FAILED, so they no longer block their issue
    (the caller commits)."""
    if not workflow_ids:
        return
    now = utcnow()
    await session.exec(
        update(Run)
        .where(col(Run.workflow_id).in_(workflow_ids), col(Run.status) == RunStatus.RECEIVED)
        .values(status=RunStatus.FAILED, error=error, finished_at=now, updated_at=now)
    )


async def revive_unstarted_runs(session: AsyncSession, workflow_ids: list[str]) -> None:
    """A retried plan's runs, FAILED when their start was given up, are active again (the
    caller commits; another active run on the issue makes that commit fail)."""
    if not workflow_ids:
        return
    query = select(Run).where(
        col(Run.workflow_id).in_(workflow_ids),
        Run.status == RunStatus.FAILED,
        col(Run.started_at).is_(None),
    )
    for run in (await session.exec(query)).all():
        run.status, run.error, run.finished_at = RunStatus.RECEIVED, None, None
        session.add(run)
