"""The recorded delivery: what a request is answered with, its dedupe key, and its
webhook_events row (one shape for the one-delivery path, the group commit and replay)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from contract.actions import DispatchAction
from contract.statuses import DispatchStatus
from db.types import utcnow
from routing import fields as f
from routing.decision import Delivery, RouteDecision
from routing.workflow_ids import key_hash


@dataclass
class Outcome:
    status_code: int
    body: dict[str, Any]
    event_id: uuid.UUID | None = None
    needs_dispatch: bool = False
    redelivery: bool = False  # answered from the first delivery's record
    plan: list[DispatchAction] | None = None  # what to start, when known without a read


@dataclass(frozen=True)
class StoredBody:
    """How a delivery's body is kept beside its decoded payload: its size; the raw bytes when
    the payload is not exactly what was sent; the body itself when it is exactly the payload
    as JSON text (the group commit stores that text as it is)."""

    size: int
    raw: bytes | None = None
    text: str | None = None


def clip_column(value: str | None, size: int = 100) -> str | None:
    """A column value: cleaned, and cut with a hash of the whole when too long."""
    return f.fit(value, size) if value else value


def dedupe_key(hook_id: str, delivery_id: str) -> str:
    """A fixed-size key of the exact (hook id, delivery id): long ids never merge by prefix."""
    return key_hash(hook_id, delivery_id)


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
        "event_type": clip_column(delivery.event) or "unknown",
        "payload": delivery.payload,
        "payload_raw": payload_raw,
        "signature_valid": True,
        "processed_at": utcnow().replace(tzinfo=None),
        "delivery_id": clip_column(delivery.delivery_id),
        "hook_id": clip_column(delivery.hook_id),
        "dedupe_key": dedupe_key,
        "action": clip_column(delivery.action),
        "repo": clip_column(delivery.repo, 200),
        "body_size": body_size,
        "http_status": 200,
        "dispatch_status": DispatchStatus.PENDING if pending else decision.status,
        "dispatch_plan": [a.to_json() for a in actions],
        "dispatch_progress": 0,
        "dispatch_attempts": 0,
        "workflow_ids": [a.workflow_id for a in actions],
        "response": response,
        "error": decision.error,
    }
