"""POST /api/deliveries/{id}/retry: give a `failed` delivery a fresh dispatch budget."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import APIRouter, HTTPException

from api.deps import AppStateDep, SessionDep, TokenDep
from delivery.retry import RetryRefused, retry_failed

log = logging.getLogger("hookflow.dispatch")
router = APIRouter(prefix="/api/deliveries", tags=["deliveries"], dependencies=[TokenDep])


@router.post("/{event_id}/retry", status_code=202)
async def retry_delivery(
    event_id: uuid.UUID, state: AppStateDep, session: SessionDep
) -> dict[str, Any]:
    """Dispatch a failed delivery's remaining plan again (e.g. after a fix or a limit change)."""
    try:
        row = await retry_failed(session, event_id)
    except RetryRefused as exc:
        raise HTTPException(exc.status, exc.reason) from None
    log.info("delivery %s: retry requested", row.delivery_id)
    state.dispatcher.wake()
    return {"status": "pending", "id": str(row.id), "workflowIds": row.workflow_ids}
