"""POST /api/webhooks/github (and `/`, `/webhook/{owner}/{repo}`): verify, record, route, start."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, StatementError

from api.deps import AppStateDep
from api.instruments import delivery_outcome
from delivery.decode import decode
from delivery.outage import is_outage
from delivery.record import ingest, record_rejected
from delivery.row import Outcome
from delivery.signature import verify_signature
from ops.log_context import log_context
from routing import fields as f
from routing.decision import Delivery

log = logging.getLogger("hookflow.webhooks")
router = APIRouter(tags=["webhooks"])


class BodyTooLarge(Exception):
    def __init__(self, size: int) -> None:
        self.size = size


async def read_body(request: Request, limit: int) -> bytes:
    """Read the raw body once, refusing (without buffering it all) anything over `limit`."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(int(declared))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(size)
        chunks.append(chunk)
    return b"".join(chunks)


def _response(outcome: Outcome) -> JSONResponse:
    return JSONResponse(outcome.body, status_code=outcome.status_code)


async def handle_delivery(
    request: Request,
    state: AppStateDep,
    *,
    secrets: list[bytes],
    path_repo: str | None = None,
) -> JSONResponse:
    """Every line logged for this delivery carries its id; its outcome and time are counted."""
    started = time.perf_counter()
    event = f.clean(request.headers.get("x-github-event") or "") or None
    with log_context(
        delivery_id=f.fit(f.clean(request.headers.get("x-github-delivery") or ""), 100) or None
    ):
        outcome = await _handle(request, state, secrets=secrets, path_repo=path_repo)
    state.metrics.delivery(
        event,
        delivery_outcome(
            outcome.status_code, outcome.body.get("status"), redelivery=outcome.redelivery
        ),
        time.perf_counter() - started,
    )
    return _response(outcome)


async def _handle(
    request: Request,
    state: AppStateDep,
    *,
    secrets: list[bytes],
    path_repo: str | None,
) -> Outcome:
    settings = state.settings
    sessions = state.sessions
    # Header values are untrusted text too: cleaned here, bounded where they are stored.
    event = f.clean(request.headers.get("x-github-event") or "") or None
    delivery_id = f.clean(request.headers.get("x-github-delivery") or "")
    hook_id = f.clean(request.headers.get("x-github-hook-id") or "")
    common: dict[str, Any] = {"event": event, "delivery_id": delivery_id, "hook_id": hook_id}
    try:
        body = await read_body(request, settings.max_body_bytes)
    except BodyTooLarge as exc:
        log.warning(
            "delivery %s: body over %d bytes refused",
            f.fit(delivery_id, 100),
            settings.max_body_bytes,
        )
        return await record_rejected(
            sessions,
            **common,
            status_code=413,
            body_size=exc.size,
            reason=f"payload too large: limit is {settings.max_body_bytes} bytes",
        )
    signature = request.headers.get("x-hub-signature-256")
    if not verify_signature(body, signature, secrets):
        reason = "missing X-Hub-Signature-256" if not signature else "invalid signature"
        # Never log or store the expected signature: it would let a reader forge deliveries.
        log.warning("delivery %s: %s", f.fit(delivery_id, 100), reason)
        if not state.rejected_cap.allow(request.client.host if request.client else "unknown"):
            state.metrics.rejected_unrecorded.inc()  # over the per-address cap: counted only
            return Outcome(401, {"status": "rejected", "reason": reason})
        return await record_rejected(
            sessions,
            **common,
            status_code=401,
            body_size=len(body),
            reason=reason,
        )

    # Authenticated from here on: whatever the body holds, it is recorded.
    async def refuse(reason: str, **stored: Any) -> Outcome:
        return await record_rejected(
            sessions,
            **common,
            status_code=400,
            body_size=len(body),
            signature_valid=True,
            reason=reason,
            **stored,
        )

    decoded = decode(body)
    raw = None if decoded.exact else body
    if not event:
        return await refuse(
            "missing X-GitHub-Event header", payload=decoded.payload, payload_raw=body
        )
    if decoded.error is not None:
        return await refuse(f"malformed JSON: {decoded.error}", payload_raw=body)
    payload = decoded.payload
    if path_repo is not None and f.get(payload, "repository", "full_name") != path_repo:
        return await refuse(
            f"payload repository does not match the path ({path_repo})",
            payload=payload,
            payload_raw=raw,
        )
    delivery = Delivery(
        event=event, payload=payload, delivery_id=delivery_id or str(uuid.uuid4()), hook_id=hook_id
    )
    try:
        outcome = await ingest(
            sessions,
            delivery=delivery,
            config=state.routing,
            body_size=len(body),
            payload_raw=raw,
            payload_text=decoded.text,
            batch=state.ingest_batch,
        )
    except (DBAPIError, StatementError) as exc:
        if is_outage(exc):
            raise
        # The database is up but refused this row: keep the body raw rather than lose it.
        log.exception("delivery %s: could not be stored as routed", delivery.short_id)
        return await refuse(
            f"payload could not be stored: {type(exc.orig or exc).__name__}", payload_raw=body
        )
    if outcome.needs_dispatch and outcome.event_id is not None:
        # The row is committed, so the reply need not wait for Temporal.
        state.dispatcher.dispatch_soon(outcome.event_id, plan=outcome.plan)
    return outcome


@router.post("/api/webhooks/github")
async def github_webhook(request: Request, state: AppStateDep) -> JSONResponse:
    """Receive a GitHub webhook delivery."""
    return await handle_delivery(request, state, secrets=state.settings.webhook_secrets)


@router.post("/", include_in_schema=True)
async def github_webhook_root(request: Request, state: AppStateDep) -> JSONResponse:
    """Receive a GitHub webhook delivery at the root payload URL."""
    return await handle_delivery(request, state, secrets=state.settings.webhook_secrets)


@router.post("/webhook/{owner}/{repo}")
async def github_webhook_for_repo(
    owner: str, repo: str, request: Request, state: AppStateDep
) -> JSONResponse:
    """Receive a delivery for one repository, verified with that repository's secret."""
    full_name = f"{owner}/{repo}"
    secrets = state.settings.repo_secrets.get(full_name) or state.settings.webhook_secrets
    return await handle_delivery(request, state, secrets=secrets, path_repo=full_name)
