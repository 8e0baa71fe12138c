"""Record a delivery and decide what it starts — the row is committed before the reply."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contract.actions import DispatchAction
from db.engine import SessionFactory
from db.models import Run, WebhookEvent
from db.types import utcnow
from routing import fields as f
from routing.ai_run import accepted_body
from routing.decision import Delivery, NewRun, RouteDecision, RoutingConfig
from routing.router import route
from routing.workflow_ids import key_hash
from runs.admission import active_run, received_run, received_run_values

if TYPE_CHECKING:
    from delivery.record_batch import IngestBatch

log = logging.getLogger("hookflow.ingest")


@dataclass
class Outcome:
    status_code: int
    body: dict[str, Any]
    event_id: uuid.UUID | None = None
    needs_dispatch: bool = False
    redelivery: bool = False  # answered from the first delivery's record
    plan: list[DispatchAction] | None = None  # what to start, when known without a read


def _clip(value: str | None, size: int = 100) -> str | None:
    """A column value: cleaned, and cut with a hash of the whole when too long."""
    return f.fit(value, size) if value else value


def dedupe_key(hook_id: str, delivery_id: str) -> str:
    """A fixed-size key of the exact (hook id, delivery id): long ids never merge by prefix."""
    return key_hash(hook_id, delivery_id)


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
                event_type=_clip(event) or "unknown",
                payload=payload or {},
                payload_raw=payload_raw,
                signature_valid=signature_valid,
                processed_at=utcnow().replace(tzinfo=None),
                delivery_id=_clip(delivery_id),
                hook_id=_clip(hook_id),
                body_size=body_size,
                http_status=status_code,
                dispatch_status="rejected",
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
        row.dispatch_status == "pending",
        redelivery=True,
    )


def attach_to_active(
    actions: list[DispatchAction], new_run: NewRun, active: Run
) -> tuple[list[DispatchAction], dict[str, Any]]:
    """One run per issue at a time: a delivery (or replay) that would start a second one
    starts nothing and answers with the active run instead."""
    kept = [a for a in actions if a.workflow_id != new_run.workflow_id]
    return kept, accepted_body(str(active.id), active.repo, active.issue_number)


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


def event_row(
    delivery: Delivery,
    decision: RouteDecision,
    *,
    event_id: uuid.UUID,
    dedupe_key: str,
    body_size: int,
    actions: list[DispatchAction],
    response: dict[str, Any],
    payload_raw: bytes | None = None,
) -> dict[str, Any]:
    """The webhook_events row of an authenticated delivery (one shape for both write paths)."""
    pending = bool(actions)
    return {
        "id": event_id,
        "event_type": _clip(delivery.event) or "unknown",
        "payload": delivery.payload,
        "payload_raw": payload_raw,
        "signature_valid": True,
        "processed_at": utcnow().replace(tzinfo=None),
        "delivery_id": _clip(delivery.delivery_id),
        "hook_id": _clip(delivery.hook_id),
        "dedupe_key": dedupe_key,
        "action": _clip(delivery.action),
        "repo": _clip(delivery.repo, 200),
        "body_size": body_size,
        "http_status": 200,
        "dispatch_status": "pending" if pending else decision.status,
        "dispatch_plan": [a.to_json() for a in actions],
        "dispatch_progress": 0,
        "dispatch_attempts": 0,
        "workflow_ids": [a.workflow_id for a in actions],
        "response": response,
        "error": decision.error,
    }


def run_values(new_run: NewRun, delivery: Delivery) -> dict[str, Any]:
    """The runs row of a new run, as column values (unnamed columns keep their defaults)."""
    return received_run_values(new_run, delivery.short_id)


def run_row(new_run: NewRun, delivery: Delivery) -> Run:
    return received_run(new_run, delivery.short_id)


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
    body_size: int,
    payload_raw: bytes | None = None,
    payload_text: str | None = None,
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
        outcome = await batch.record(delivery, decision, key, body_size, payload_raw, payload_text)
        if outcome is not None:
            return outcome
    # --- end group commit
    for attempt in range(3):
        try:
            return await _record(sessions, delivery, decision, key, body_size, payload_raw)
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
    body_size: int,
    payload_raw: bytes | None,
) -> Outcome:
    actions = list(decision.actions)
    response = dict(decision.response)
    new_run = decision.new_run
    event_id = uuid.uuid4()
    async with sessions() as session:
        if new_run is not None:
            active = await active_run(session, new_run.repo, new_run.issue_number)
            if active is not None:
                actions, response = attach_to_active(actions, new_run, active)
                new_run = None
        pending = bool(actions)
        values = event_row(
            delivery,
            decision,
            event_id=event_id,
            dedupe_key=dedupe_key,
            body_size=body_size,
            actions=actions,
            response=response,
            payload_raw=payload_raw,
        )
        inserted = await _insert_event(session, values)
        if not inserted:
            await session.rollback()
            row = await _existing(session, dedupe_key)
            if row is None:  # the first copy was deleted in between (retention): try again
                raise IntegrityError("redelivery row vanished", None, ValueError())
            log.info("delivery %s: redelivery, answering the first outcome", delivery.short_id)
            return _replay(row)
        if new_run is not None:
            session.add(run_row(new_run, delivery))
        await session.commit()
    log.info(
        "delivery %s: %s %s",
        delivery.short_id,
        _clip(delivery.event),
        json.dumps(response, default=str)[:300],
    )
    return Outcome(200, response, event_id, pending)
