"""Record a delivery and decide what it starts — the row is committed before the reply.

The common case shares its statement and commit with concurrent deliveries (record_batch.py);
a redelivery, an issue with an active run or a row PostgreSQL refuses takes the path here.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contract.statuses import DispatchStatus
from db.engine import SessionFactory
from db.models import WebhookEvent
from db.types import utcnow
from delivery.record_batch import IngestBatch
from delivery.row import Outcome, StoredBody, clip_column, dedupe_key, event_row
from routing import fields as f
from routing.decision import Delivery, RouteDecision, RoutingConfig
from routing.router import route
from runs.admission import admit

log = logging.getLogger("hookflow.ingest")


async def record_rejected(
    sessions: SessionFactory,
    *,
    event: str | None,
    delivery_id: str | None,
    hook_id: str | None,
    status_code: int,
    reason: str,
    body_size: int,
    signature_valid: bool = False,
    payload: dict[str, Any] | None = None,
    payload_raw: bytes | None = None,
) -> Outcome:
    """Record a delivery we refuse. Unauthenticated ones keep no payload (bounded rows)."""
    reason = f.clip(reason, 500)
    body = {"status": "rejected", "reason": reason}
    async with sessions() as session:
        session.add(
            WebhookEvent(
                event_type=clip_column(event) or "unknown",
                payload=payload or {},
                payload_raw=payload_raw,
                signature_valid=signature_valid,
                processed_at=utcnow().replace(tzinfo=None),
                delivery_id=clip_column(delivery_id),
                hook_id=clip_column(hook_id),
                body_size=body_size,
                http_status=status_code,
                dispatch_status=DispatchStatus.REJECTED,
                response=body,
                error=reason,
            )
        )
        await session.commit()
    return Outcome(status_code, body)


async def _existing(session: AsyncSession, dedupe_key: str) -> WebhookEvent | None:
    query = select(WebhookEvent).where(WebhookEvent.dedupe_key == dedupe_key)
    return (await session.exec(query)).first()


def _replay(row: WebhookEvent) -> Outcome:
    """A redelivery answers what the first delivery answered, and starts nothing new."""
    return Outcome(
        row.http_status,
        dict(row.response),
        row.id,
        row.dispatch_status == DispatchStatus.PENDING,
        redelivery=True,
    )


async def _insert_event(session: AsyncSession, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT (dedupe_key) DO NOTHING; False when another copy won."""
    dialect = session.bind.dialect.name
    stmt = _INSERTS[dialect] if dialect in _INSERTS else _INSERTS["sqlite"]
    # Values as parameters (not baked into the statement) keep the compiled SQL cached.
    result = await session.execute(stmt, values)
    return result.first() is not None


def _insert_statement(insert: Any) -> Any:
    table = WebhookEvent.__table__  # type: ignore[attr-defined]
    return insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)


_INSERTS = {"postgresql": _insert_statement(pg_insert), "sqlite": _insert_statement(sqlite_insert)}


def safe_route(delivery: Delivery, config: RoutingConfig, key: str) -> RouteDecision:
    """Routing is total by construction; should a handler still raise, the delivery is
    recorded as `failed` (visible and retryable) instead of answering 5xx and losing it."""
    try:
        return route(delivery, config, key)
    except Exception as exc:  # noqa: BLE001 - a routing bug must not lose the delivery
        log.exception("delivery %s: routing raised", delivery.short_id)
        return RouteDecision(
            "failed",
            {"status": "ignored", "reason": "could not be routed; recorded for replay"},
            error=f.clip(f"routing failed: {type(exc).__name__}: {exc}", 2000),
        )


async def ingest(
    sessions: SessionFactory,
    *,
    delivery: Delivery,
    config: RoutingConfig,
    body: StoredBody,
    batch: IngestBatch | None = None,
) -> Outcome:
    """Dedupe, route and record an authenticated, parsed delivery."""
    key = dedupe_key(delivery.hook_id, delivery.delivery_id)
    # No look-up first: the insert itself detects a redelivery (one round trip fewer).
    decision = safe_route(delivery, config, key)
    # --- group commit (delivery/record_batch.py): the common case shares its INSERT and commit
    # with concurrent deliveries; anything unusual (redelivery, active run, a row PostgreSQL
    # refuses) comes back as None and takes the path below.
    if batch is not None:
        outcome = await batch.record(delivery, decision, key, body)
        if outcome is not None:
            return outcome
    # --- end group commit
    for attempt in range(3):
        try:
            return await _record(sessions, delivery, decision, key, body)
        except IntegrityError:
            # Another delivery for the same issue created its run first: attach to it.
            if attempt == 2:
                raise
            log.info("delivery %s: run insert raced, retrying", delivery.short_id)
    raise AssertionError("unreachable")


async def _record(
    sessions: SessionFactory,
    delivery: Delivery,
    decision: RouteDecision,
    dedupe_key: str,
    body: StoredBody,
) -> Outcome:
    event_id = uuid.uuid4()
    async with sessions() as session:
        admitted = await admit(
            session, decision.actions, decision.response, decision.new_run, delivery.short_id
        )
        values = event_row(
            delivery,
            decision,
            event_id=event_id,
            dedupe_key=dedupe_key,
            body_size=body.size,
            actions=admitted.actions,
            response=admitted.response,
            payload_raw=body.raw,
        )
        inserted = await _insert_event(session, values)
        if not inserted:
            await session.rollback()
            row = await _existing(session, dedupe_key)
            if row is None:  # the first copy was deleted in between (retention): try again
                raise IntegrityError("redelivery row vanished", None, ValueError())
            log.info("delivery %s: redelivery, answering the first outcome", delivery.short_id)
            return _replay(row)
        if admitted.run is not None:
            session.add(admitted.run)
        await session.commit()
    log.info(
        "delivery %s: %s %s",
        delivery.short_id,
        clip_column(delivery.event),
        json.dumps(admitted.response, default=str)[:300],
    )
    # The plan as committed: the dispatcher starts it without reading the row back.
    return Outcome(
        200, admitted.response, event_id, bool(admitted.actions), plan=list(admitted.actions)
    )
