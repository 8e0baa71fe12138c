"""Recorded deliveries for operators: GET /api/deliveries and POST /api/deliveries/{id}/replay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import AppStateDep, SessionDep, TokenDep
from api.query import Filter, Limit, Offset, newest_page
from db.models import WebhookEvent
from delivery.replay import ReplayDeps, replay_delivery
from queries.deliveries import DeliveryFilter, since_time

router = APIRouter(prefix="/api/deliveries", tags=["deliveries"], dependencies=[TokenDep])


class DeliveryPublic(BaseModel):
    id: uuid.UUID
    deliveryId: str | None
    hookId: str | None
    event: str
    action: str | None
    repo: str | None
    status: str
    httpStatus: int
    signatureValid: bool
    processedAt: datetime
    dispatchedAt: datetime | None
    workflowIds: list[str]
    error: str | None
    replayOf: str | None

    @classmethod
    def of(cls, row: WebhookEvent) -> DeliveryPublic:
        replay_of = row.response.get("replayOf") if isinstance(row.response, dict) else None
        return cls(
            id=row.id,
            deliveryId=row.delivery_id,
            hookId=row.hook_id,
            event=row.event_type,
            action=row.action,
            repo=row.repo,
            status=row.dispatch_status,
            httpStatus=row.http_status,
            signatureValid=row.signature_valid,
            processedAt=row.processed_at,
            dispatchedAt=row.dispatched_at,
            workflowIds=list(row.workflow_ids),
            error=row.error,
            replayOf=replay_of if isinstance(replay_of, str) else None,
        )


class DeliveriesPublic(BaseModel):
    data: list[DeliveryPublic]
    count: int
    limit: int
    offset: int


class ReplayRequest(BaseModel):
    force: bool = False


@router.get("", response_model=DeliveriesPublic)
async def list_deliveries(
    session: SessionDep,
    event: Filter = None,
    repo: Filter = None,
    status: Filter = None,
    since: Filter = None,
    replays: bool = True,
    limit: Limit = 50,
    offset: Offset = 0,
) -> DeliveriesPublic:
    """List recorded deliveries, newest first, by event, repo, status and age."""
    try:
        since_at = since_time(since, datetime.now(UTC)) if since else None
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    where = DeliveryFilter(event=event, repo=repo, status=status, since=since_at, replays=replays)
    filters = where.clauses()
    rows, total = await newest_page(
        session, WebhookEvent, filters, newest=WebhookEvent.processed_at, limit=limit, offset=offset
    )
    return DeliveriesPublic(
        data=[DeliveryPublic.of(r) for r in rows], count=total, limit=limit, offset=offset
    )


@router.post("/{delivery_id}/replay")
async def replay(
    delivery_id: str,
    state: AppStateDep,
    body: ReplayRequest | None = None,
    force: bool = False,
) -> JSONResponse:
    """Route a recorded delivery again with today's code and start what it asks for."""
    deps = ReplayDeps(
        state.sessions,
        state.temporal,
        state.routing,
        state.dispatcher,
        state.settings.dispatch_inline_timeout.total_seconds(),
    )
    answer = await replay_delivery(deps, delivery_id, force=force or bool(body and body.force))
    return JSONResponse(answer.body, status_code=answer.status_code)
