"""What the notification routing decides for one notification (notify.decide), carried in
workflow inputs: each receiver it reaches and what becomes of it there, and its group's timing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from contract.statuses import NotificationStatus


@dataclass
class ReceiverPlan:
    receiver: str
    status: str  # contract.statuses.NotificationStatus: pending (send) | silenced | muted | held
    sinks: list[str] = field(default_factory=list)  # logfile | aimaestro | chat
    route: str = ""  # the route that reached it: "route.routes[0]"
    silence_id: str | None = None
    interval: str | None = None  # the mute interval (or "outside <active intervals>")
    until: str | None = None  # ISO time the silence or the mute ends (None: not known)
    silence_end_notice: bool = True  # the receiver wants the state when a silence ends


def hold_muted(r: ReceiverPlan) -> ReceiverPlan:
    """A red CI group's notice muted at a receiver is held there: the group sums up what it
    held when the mute ends."""
    return replace(r, status=NotificationStatus.HELD) if r.status == NotificationStatus.MUTED else r


@dataclass
class NotifyTiming:
    """The intervals of the first route reached (a CI group keeps one timing)."""

    group_wait_seconds: float
    group_interval_seconds: float
    repeat_interval_seconds: float
    group_by: list[str] = field(default_factory=list)


@dataclass
class NotifyPlan:
    receivers: list[ReceiverPlan]
    timing: NotifyTiming
    config: str = ""  # which config decided: "environment" or "<file>@<digest>"


@dataclass
class HeldNotice:
    """A receiver a red CI group's notices were muted for: summed up when the mute ends."""

    interval: str
    until: str | None  # ISO end of the mute (None: no end found)
    since: str  # ISO time of the first held notice
    count: int = 0  # failed runs held


@dataclass
class SilencedNotice:
    """A silence that kept a red CI group quiet: when it ends, the receivers listed (those that
    want it) get the group's state once."""

    until: str  # ISO endsAt when it silenced
    receivers: list[str] = field(default_factory=list)
