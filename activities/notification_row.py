"""The `notifications` row of one notification at one receiver, as both recording activities
write it (notify.record for the environment's receiver, notify.record_plan for routed ones)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from db.models import Notification


class Recorded(Protocol):
    """What a record activity's input says about the notification."""

    key: str  # the notification's dedupe key (its workflow id)
    workflow_id: str
    notification: dict[str, Any]
    delivery_id: str | None
    count: int


def event_of(n: dict[str, Any]) -> str:
    return str(n.get("event") or n.get("type") or "notification")


def notification_row(
    input: Recorded,
    *,
    receiver: str,
    status: str,
    sinks: Iterable[str],
    silence_id: str | None = None,
    time_interval: str | None = None,
) -> Notification:
    """The row, columns cut to their sizes; `sinks` are the ones still to deliver it."""
    n = input.notification
    return Notification(
        type=str(n.get("type") or "generic")[:50],
        priority=str(n.get("priority") or "medium")[:20],
        repo=(str(n["repo"])[:200] if n.get("repo") else None),
        event=event_of(n)[:100],
        delivery_id=(input.delivery_id or "")[:100] or None,
        dedupe_key=input.key[:300],
        group_key=(str(n.get("group_key"))[:300] if n.get("group_key") else None),
        count=input.count,
        summary=str(n.get("summary") or n.get("title") or ""),
        details=n,
        sink_status={s: {"status": "pending", "attempts": 0} for s in sinks},
        workflow_id=input.workflow_id[:300],
        receiver=receiver,
        status=status,
        silence_id=silence_id,
        time_interval=time_interval,
    )
