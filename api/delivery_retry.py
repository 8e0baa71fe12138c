"""POST /api/deliveries/{id}/retry: give a `failed` delivery a fresh dispatch budget (the
console's Retry button does the same through `retry_now`)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import APIRouter
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import AppState, AppStateDep, SessionDep, TokenDep
from db.models import WebhookEvent
from delivery.retry import retry_failed

log = logging.getLogger("hookflow.dispatch")
router = APIRouter(prefix="/api/deliveries", tags=["deliveries"], dependencies=[TokenDep])


async def retry_now(state: AppState, session: AsyncSession, event_id: uuid.UUID) -> WebhookEvent:
    """Make a failed delivery pending again and wake the dispatcher to start what is left of its
    plan; RetryRefused (answered by the app) when it is not failed or its issue has another run."""
    row = await retry_failed(session, event_id)
    log.info("delivery %s: retry requested", row.delivery_id)
    state.dispatcher.wake()
    return row


@router.post("/{event_id}/retry", status_code=202)
async def retry_delivery(
    event_id: uuid.UUID, state: AppStateDep, session: SessionDep
) -> dict[str, Any]:
    """Dispatch a failed delivery's remaining plan again (e.g. after a fix or a limit change)."""
    row = await retry_now(state, session, event_id)
    return {"status": "pending", "id": str(row.id), "workflowIds": row.workflow_ids}
