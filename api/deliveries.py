"""Recorded deliveries for operators: GET /api/deliveries and POST /api/deliveries/{id}/replay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse
from pydantic import AliasPath, BaseModel, Field

from api.deps import AppStateDep, TokenDep
from api.public import JsonText, Page, Public
from api.query import Filter, Where, list_route
from db.models import WebhookEvent
from delivery.replay import replay_delivery
from queries.deliveries import DeliveryFilter, since_time

router = APIRouter(prefix="/api/deliveries", tags=["deliveries"], dependencies=[TokenDep])


class DeliveryPublic(Public):
    id: uuid.UUID
    delivery_id: str | None
    hook_id: str | None
    event_type: str = Field(serialization_alias="event")
    action: str | None
    repo: str | None
    dispatch_status: str = Field(serialization_alias="status")
    http_status: int
    signature_valid: bool
    processed_at: datetime
    dispatched_at: datetime | None
    workflow_ids: list[str]
    error: str | None
    replay_of: JsonText = Field(None, validation_alias=AliasPath("response", "replayOf"))


class DeliveriesPublic(Page[DeliveryPublic]):
    pass


class ReplayRequest(BaseModel):
    force: bool = False


@list_route(router, DeliveriesPublic, WebhookEvent, newest=WebhookEvent.processed_at)
def list_deliveries(
    event: Filter = None,
    repo: Filter = None,
    status: Filter = None,
    since: Filter = None,
    replays: bool = True,
) -> Where:
    """List recorded deliveries, newest first, by event, repo, status and age."""
    try:
        since_at = since_time(since, datetime.now(UTC)) if since else None
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    where = DeliveryFilter(event=event, repo=repo, status=status, since=since_at, replays=replays)
    return where.clauses()


async def _force(body: ReplayRequest | None = None, force: bool = False) -> bool:
    """Whether the replay is forced (new workflow ids): asked in the JSON body or the query."""
    return force or bool(body and body.force)


@router.post("/{delivery_id}/replay")
async def replay(
    delivery_id: str, state: AppStateDep, force: Annotated[bool, Depends(_force)]
) -> JSONResponse:
    """Route a recorded delivery again with today's code and start what it asks for."""
    answer = await replay_delivery(state.replay_deps(), delivery_id, force=force)
    return JSONResponse(answer.body, status_code=answer.status_code)
