"""Receive one delivery: read the body (at most MAX_BODY_BYTES), verify its signature, decode it,
then record and route it (record.py); the reply carries the recorded outcome."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError, StatementError

from db.engine import SessionFactory
from delivery.decode import decode
from delivery.dispatcher import Dispatcher
from delivery.outage import is_outage
from delivery.record import ingest, record_rejected
from delivery.record_batch import IngestBatch
from delivery.rejected_cap import RejectedCap
from delivery.row import Outcome, StoredBody
from delivery.signature import verify_signature
from routing import fields as f
from routing.decision import Delivery, RoutingConfig

log = logging.getLogger("hookflow.webhooks")


@dataclass
class Intake:
    """What receiving a delivery needs, built once at start-up."""

    sessions: SessionFactory
    routing: RoutingConfig
    dispatcher: Dispatcher
    rejected_cap: RejectedCap
    max_body_bytes: int
    ingest_batch: IngestBatch | None = None  # group commit; None records one at a time
    on_unrecorded: Callable[[], None] = lambda: None  # a rejection over the per-address cap


class BodyTooLarge(Exception):
    def __init__(self, size: int) -> None:
        self.size = size


async def read_body(headers: Mapping[str, str], stream: AsyncIterator[bytes], limit: int) -> bytes:
    """Read the raw body once, refusing (without buffering it all) anything over `limit`."""
    declared = headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(int(declared))
    chunks: list[bytes] = []
    size = 0
    async for chunk in stream:
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(size)
        chunks.append(chunk)
    return b"".join(chunks)


async def receive(
    intake: Intake,
    headers: Mapping[str, str],
    body_chunks: AsyncIterator[bytes],
    *,
    client: str,
    secrets: list[bytes],
    path_repo: str | None = None,
) -> Outcome:
    """Steps 1-4 of the pipeline for one delivery; its plan is started after the reply."""
    batch = intake.ingest_batch
    if batch is None:
        return await _receive(intake, headers, body_chunks, client, secrets, path_repo)
    batch.arrive()  # the group commit knows a delivery is on its way
    try:
        return await _receive(intake, headers, body_chunks, client, secrets, path_repo)
    finally:
        batch.leave()


async def _receive(
    intake: Intake,
    headers: Mapping[str, str],
    body_chunks: AsyncIterator[bytes],
    client: str,
    secrets: list[bytes],
    path_repo: str | None,
) -> Outcome:
    sessions = intake.sessions
    # Header values are untrusted text too: cleaned here, bounded where they are stored.
    event = f.clean(headers.get("x-github-event") or "") or None
    delivery_id = f.clean(headers.get("x-github-delivery") or "")
    hook_id = f.clean(headers.get("x-github-hook-id") or "")
    common: dict[str, Any] = {"event": event, "delivery_id": delivery_id, "hook_id": hook_id}
    try:
        body = await read_body(headers, body_chunks, intake.max_body_bytes)
    except BodyTooLarge as exc:
        log.warning(
            "delivery %s: body over %d bytes refused",
            f.fit(delivery_id, 100),
            intake.max_body_bytes,
        )
        return await record_rejected(
            sessions,
            **common,
            status_code=413,
            body_size=exc.size,
            reason=f"payload too large: limit is {intake.max_body_bytes} bytes",
        )
    signature = headers.get("x-hub-signature-256")
    if not verify_signature(body, signature, secrets):
        reason = "missing X-Hub-Signature-256" if not signature else "invalid signature"
        # Never log or store the expected signature: it would let a reader forge deliveries.
        log.warning("delivery %s: %s", f.fit(delivery_id, 100), reason)
        if not intake.rejected_cap.allow(client):
            intake.on_unrecorded()  # over the per-address cap: counted only
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
            config=intake.routing,
            body=StoredBody(len(body), raw, decoded.text),
            batch=intake.ingest_batch,
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
        intake.dispatcher.dispatch_soon(outcome.event_id, plan=outcome.plan)
    return outcome
