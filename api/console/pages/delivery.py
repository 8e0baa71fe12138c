"""One delivery: headers, status, plan, payload and raw bytes; Replay and Retry."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import col, select

from api.console.deps import ActorDep, ViewerDep
from api.console.links import workflow_url
from api.console.lookup import get_or_404
from api.console.render import PREFIX, render
from api.console.views.delivery import headers, log_file_names, plan_steps, replay_of, status_reason
from api.console.views.payload import payload_view, raw_view
from api.delivery_retry import retry_now
from api.deps import AppStateDep, SessionDep
from db.models import Notification, WebhookEvent
from delivery.replay import replay_delivery

log = logging.getLogger("hookflow.console")
router = APIRouter()
RELATED_LIMIT = 20


async def _delivery(event_id: uuid.UUID, session: SessionDep) -> WebhookEvent:
    return await get_or_404(session, WebhookEvent, event_id, "No recorded delivery has that id.")


DeliveryDep = Annotated[WebhookEvent, Depends(_delivery)]


@router.get("/deliveries/{event_id}")
async def delivery_page(
    request: Request, state: AppStateDep, session: SessionDep, viewer: ViewerDep, row: DeliveryDep
) -> Response:
    """Everything recorded about one delivery."""
    related: list[WebhookEvent] = []
    sink_states: list[dict[str, object]] = []
    if row.delivery_id:
        query = (
            select(WebhookEvent)
            .where(col(WebhookEvent.delivery_id) == row.delivery_id, WebhookEvent.id != row.id)
            .order_by(col(WebhookEvent.processed_at).desc())
            .limit(RELATED_LIMIT)
        )
        related = list((await session.exec(query)).all())
        notes = select(col(Notification.sink_status)).where(
            col(Notification.delivery_id) == row.delivery_id
        )
        sink_states = [s for s in (await session.exec(notes)).all() if isinstance(s, dict)]
    settings = state.settings
    return render(
        request,
        "delivery.html",
        row=row,
        reason=status_reason(row),
        replay_of=replay_of(row),
        headers=headers(row),
        steps=plan_steps(row, settings.temporal_ui_url, settings.temporal_namespace),
        payload=payload_view(row.payload),
        raw=raw_view(row.payload_raw) if row.payload_raw is not None else None,
        related=related,
        log_files=log_file_names(sink_states),
        replayable=bool(row.signature_valid and row.delivery_id),
    )


@router.get("/deliveries/{event_id}/payload.json")
async def payload_download(viewer: ViewerDep, row: DeliveryDep) -> Response:
    """The stored payload as a file (never rendered by the browser)."""
    return Response(
        json.dumps(row.payload, indent=2, ensure_ascii=False).encode(),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="delivery-{row.id}.json"'},
    )


@router.get("/deliveries/{event_id}/raw")
async def raw_download(viewer: ViewerDep, row: DeliveryDep) -> Response:
    """The exact body, when `payload` could not hold it."""
    if row.payload_raw is None:
        raise HTTPException(404, "This delivery's payload is its body: nothing raw was kept.")
    return Response(
        row.payload_raw,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="delivery-{row.id}.bin"'},
    )


@router.post("/deliveries/{event_id}/replay")
async def replay(
    request: Request,
    state: AppStateDep,
    viewer: ActorDep,
    row: DeliveryDep,
    force: Annotated[bool, Form()] = False,
) -> Response:
    """Route the delivery again with today's rules (the API's replay, exactly)."""
    if not row.delivery_id:
        raise HTTPException(409, "This delivery has no GitHub delivery id to replay.")
    answer = await replay_delivery(state.replay_deps(), row.delivery_id, force=force)
    log.info("console: replayed delivery %s (force=%s)", row.delivery_id, force)
    settings = state.settings
    return render(
        request,
        "replay_result.html",
        row=row,
        status_code=answer.status_code,
        answer=answer.body,
        links={
            str(a.get("workflowId")): workflow_url(
                settings.temporal_ui_url, settings.temporal_namespace, str(a.get("workflowId"))
            )
            for a in answer.body.get("actions", [])
        },
    )


@router.post("/deliveries/{event_id}/retry")
async def retry(
    event_id: uuid.UUID, state: AppStateDep, session: SessionDep, viewer: ActorDep
) -> Response:
    """Give a failed delivery a fresh dispatch budget (the API's retry, exactly)."""
    await retry_now(state, session, event_id)
    return RedirectResponse(f"{PREFIX}/deliveries/{event_id}?notice=retried", status_code=303)
