"""Outbox rows a dispatcher test starts from: a stored RunWorkflow plan, its run and delivery
rows written straight to the database, and both read back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from contract.actions import as_arg
from contract.names import Workflow
from db.engine import SessionFactory
from db.models import Run, WebhookEvent
from routing.ai_run import new_run_for, run_input
from routing.decision import NewRun

REPO = "octo-org/octo-repo"


def start_plan(run_id: str, number: int, title: str = "t") -> tuple[NewRun, list[dict[str, Any]]]:
    new_run = new_run_for(REPO, number, run_id, title=title)
    action = {
        "kind": "start",
        "workflow": Workflow.RUN.value,
        "workflow_id": new_run.workflow_id,
        "arg": as_arg(run_input(new_run, "d")),
        "signal": None,
        "signal_arg": None,
        "memo": {},
        "optional": False,
    }
    return new_run, [action]


async def insert(
    sessions: SessionFactory,
    new_run: NewRun,
    plan: list[dict[str, Any]],
    *,
    status: str = "pending",
    run_status: str = "RECEIVED",
    age: timedelta = timedelta(0),
) -> uuid.UUID:
    event_id = uuid.uuid4()
    async with sessions() as session:
        session.add(
            Run(
                id=uuid.UUID(new_run.run_id),
                repo=new_run.repo,
                issue_number=new_run.issue_number,
                title="",
                status=run_status,
                workflow_id=new_run.workflow_id,
                branch=new_run.branch,
            )
        )
        session.add(
            WebhookEvent(
                id=event_id,
                event_type="issues",
                payload={},
                signature_valid=True,
                processed_at=(datetime.now(UTC) - age).replace(tzinfo=None),
                dedupe_key=str(event_id),
                delivery_id="d",
                dispatch_status=status,
                dispatch_plan=plan,
                workflow_ids=[a["workflow_id"] for a in plan],
                response={"status": "accepted"},
            )
        )
        await session.commit()
    return event_id


async def load(sessions: SessionFactory, event_id: uuid.UUID) -> tuple[WebhookEvent, Run]:
    async with sessions() as session:
        row = await session.get(WebhookEvent, event_id)
        run_id = row.dispatch_plan[0]["arg"]["run_id"] if row else None
        run = (await session.exec(select(Run).where(Run.id == uuid.UUID(run_id)))).one()
        assert row is not None
        return row, run
