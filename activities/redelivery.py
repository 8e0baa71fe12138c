"""Which missed deliveries to ask GitHub to redeliver: a pure choice over GitHub's delivery log.

GitHub lists one row per attempt, newest first, and never retries by itself. A GUID is worth
a redelivery when no attempt succeeded, hookflow has no record of it, and its event is one
hookflow routes (after an outage most missed deliveries are events nobody handles).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SKIP_SUCCEEDED = "succeeded"
SKIP_RECORDED = "recorded"
SKIP_NOT_ROUTED = "not routed"


@dataclass(frozen=True)
class HookDelivery:
    """One delivery attempt as GitHub's deliveries API lists it."""

    id: int
    guid: str
    event: str
    action: str | None
    status_code: int
    delivered_at: datetime
    redelivery: bool = False

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status_code < 300

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> HookDelivery | None:
        """The attempt, or None for a row too malformed to act on."""
        try:
            stamp = str(data["delivered_at"]).replace("Z", "+00:00")
            return cls(
                id=int(data["id"]),
                guid=str(data["guid"]),
                event=str(data.get("event") or ""),
                action=data.get("action") if isinstance(data.get("action"), str) else None,
                status_code=int(data.get("status_code") or 0),
                delivered_at=datetime.fromisoformat(stamp),
                redelivery=bool(data.get("redelivery")),
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass
class RedeliveryPlan:
    """What a pass found in the window and which attempt to redeliver for each chosen GUID."""

    attempts: int = 0
    guids: int = 0
    redeliver: list[HookDelivery] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)


def in_window(attempt: HookDelivery, since: datetime) -> bool:
    return attempt.delivered_at >= since


def select_redeliveries(
    attempts: Iterable[HookDelivery],
    *,
    since: datetime,
    recorded_guids: frozenset[str] | set[str],
    routed_events: frozenset[str],
) -> RedeliveryPlan:
    """One redelivery per GUID that failed every attempt in the window and is worth routing."""
    groups: dict[str, list[HookDelivery]] = {}
    plan = RedeliveryPlan()
    for attempt in attempts:
        if not in_window(attempt, since):
            continue
        plan.attempts += 1
        groups.setdefault(attempt.guid, []).append(attempt)
    plan.guids = len(groups)
    for guid, group in groups.items():
        reason = None
        if any(a.succeeded for a in group):
            reason = SKIP_SUCCEEDED
        elif guid in recorded_guids:
            reason = SKIP_RECORDED
        elif group[0].event not in routed_events:
            reason = SKIP_NOT_ROUTED
        if reason is not None:
            plan.skipped[reason] = plan.skipped.get(reason, 0) + 1
            continue
        plan.redeliver.append(max(group, key=lambda a: (a.delivered_at, a.id)))
    plan.redeliver.sort(key=lambda a: (a.delivered_at, a.id))  # oldest first, as they happened
    return plan
