"""POST /api/webhooks/github (and `/`, `/webhook/{owner}/{repo}`): verify, record, route, start."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import AppStateDep
from api.ingest import Outcome, ingest, record_rejected
from api.signature import verify_signature
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
    request: Request, state: AppStateDep, *, secrets: list[bytes], path_repo: str | None = None,
) -> JSONResponse:
    settings = state.settings
    sessions = state.sessions
    event = request.headers.get("x-github-event")
    delivery_id = request.headers.get("x-github-delivery") or ""
    hook_id = request.headers.get("x-github-hook-id") or ""
    common: dict[str, Any] = {"event": event, "delivery_id": delivery_id, "hook_id": hook_id}
    try:
        body = await read_body(request, settings.max_body_bytes)
    except BodyTooLarge as exc:
        log.warning("delivery %s: body over %d bytes refused", delivery_id, settings.max_body_bytes)
        return _response(await record_rejected(
            sessions, **common, status_code=413, body_size=exc.size,
            reason=f"payload too large: limit is {settings.max_body_bytes} bytes",
        ))
    signature = request.headers.get("x-hub-signature-256")
    if not verify_signature(body, signature, secrets):
        reason = "missing X-Hub-Signature-256" if not signature else "invalid signature"
        # Never log or store the expected signature: it would let a reader forge deliveries.
        log.warning("delivery %s: %s", delivery_id, reason)
        return _response(await record_rejected(
            sessions, **common, status_code=401, body_size=len(body), reason=reason,
        ))
    if not event:
        return _response(await record_rejected(
            sessions, **common, status_code=400, body_size=len(body), signature_valid=True,
            reason="missing X-GitHub-Event header", payload=_raw(body),
        ))
    try:
        payload = json.loads(body)
        if not isinstance(payload, dict):
            raise ValueError("payload is not a JSON object")
    except (ValueError, UnicodeDecodeError) as exc:
        return _response(await record_rejected(
            sessions, **common, status_code=400, body_size=len(body), signature_valid=True,
            reason=f"malformed JSON: {exc}"[:300], payload=_raw(body),
        ))
    if path_repo is not None and payload.get("repository", {}).get("full_name") != path_repo:
        return _response(await record_rejected(
            sessions, **common, status_code=400, body_size=len(body), signature_valid=True,
            reason=f"payload repository does not match the path ({path_repo})", payload=payload,
        ))
    delivery = Delivery(event=event, payload=payload,
                        delivery_id=delivery_id or str(uuid.uuid4()), hook_id=hook_id)
    outcome = await ingest(sessions, delivery=delivery, config=state.routing,
                           body_size=len(body), batch=state.ingest_batch)
    if outcome.needs_dispatch and outcome.event_id is not None:
        # The row is committed, so the reply need not wait for Temporal.
        state.dispatcher.dispatch_soon(outcome.event_id, plan=outcome.plan)
    return _response(outcome)


def _raw(body: bytes) -> dict[str, Any]:
    # Authenticated but unusable bodies are kept whole so nothing GitHub sent is lost.
    return {"_raw": body.decode("utf-8", errors="replace")}


@router.post("/api/webhooks/github")
async def github_webhook(request: Request, state: AppStateDep) -> JSONResponse:
    """Receive a GitHub webhook delivery (seed 000)."""
    return await handle_delivery(request, state, secrets=state.settings.webhook_secrets)


@router.post("/", include_in_schema=True)
async def github_webhook_root(request: Request, state: AppStateDep) -> JSONResponse:
    """Receive a GitHub webhook delivery at the seed-002 style payload URL."""
    return await handle_delivery(request, state, secrets=state.settings.webhook_secrets)


@router.post("/webhook/{owner}/{repo}")
async def github_webhook_for_repo(
    owner: str, repo: str, request: Request, state: AppStateDep
) -> JSONResponse:
    """Receive a delivery for one repository, verified with that repository's secret."""
    full_name = f"{owner}/{repo}"
    secrets = state.settings.repo_secrets.get(full_name) or state.settings.webhook_secrets
    return await handle_delivery(request, state, secrets=secrets, path_repo=full_name)
