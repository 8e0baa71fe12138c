"""POST /api/deliveries/{id}/retry: give a `failed` delivery a fresh dispatch budget."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import APIRouter, HTTPException
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from api.deps import AppStateDep, SessionDep, TokenDep
from contract.actions import DispatchAction
from db.models import Run, WebhookEvent

log = logging.getLogger("hookflow.dispatch")
router = APIRouter(prefix="/api/deliveries", tags=["deliveries"], dependencies=[TokenDep])


@router.post("/{event_id}/retry", status_code=202)
async def retry_delivery(
    event_id: uuid.UUID, state: AppStateDep, session: SessionDep
) -> dict[str, Any]:
    """Dispatch a failed delivery's remaining plan again (e.g. after a fix or a limit change)."""
    row = await session.get(WebhookEvent, event_id)
    if row is None:
        raise HTTPException(404, "delivery not found")
    if row.dispatch_status != "failed":
        raise HTTPException(409, f"delivery is {row.dispatch_status}, not failed")
    remaining = [DispatchAction.from_json(a) for a in row.dispatch_plan[row.dispatch_progress :]]
    runs = [a.workflow_id for a in remaining if a.kind == "start" and a.workflow == "RunWorkflow"]
    if runs:
        # The run was marked FAILED when its start was given up; it is active again.
        query = select(Run).where(
            col(Run.workflow_id).in_(runs), Run.status == "FAILED", col(Run.started_at).is_(None)
        )
        for run in (await session.exec(query)).all():
            run.status, run.error, run.finished_at = "RECEIVED", None, None
            session.add(run)
    row.dispatch_status, row.dispatch_attempts, row.next_attempt_at = "pending", 0, None
    session.add(row)
    try:
        await session.commit()
    except IntegrityError:
        raise HTTPException(409, "the issue has another active run") from None
    log.info("delivery %s: retry requested", row.delivery_id)
    state.dispatcher.wake()
    return {"status": "pending", "id": str(row.id), "workflowIds": row.workflow_ids}
