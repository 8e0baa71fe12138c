"""The statuses every layer reads and writes: runs, delivery dispatch, notification sinks."""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    RECEIVED = "RECEIVED"
    RUNNING = "RUNNING"
    WAITING_APPROVAL = "WAITING_APPROVAL"
    WAITING_CI = "WAITING_CI"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    ESCALATED = "ESCALATED"
    IGNORED = "IGNORED"  # whoever asked lacks RUN_TRIGGER_PERMISSION on the repository


ACTIVE_RUN_STATUSES = (
    RunStatus.RECEIVED,
    RunStatus.RUNNING,
    RunStatus.WAITING_APPROVAL,
    RunStatus.WAITING_CI,
)
FINISHED_RUN_STATUSES = (
    RunStatus.SUCCEEDED,
    RunStatus.FAILED,
    RunStatus.CANCELLED,
    RunStatus.ESCALATED,
    RunStatus.IGNORED,
)
# A FAILED run still takes signals: it waits for `retry` during RUN_RETRY_WINDOW.
SIGNALLABLE_RUN_STATUSES = (*ACTIVE_RUN_STATUSES, RunStatus.FAILED)


class DispatchStatus(StrEnum):
    """webhook_events.dispatch_status: what became of a recorded delivery's plan."""

    ACCEPTED = "accepted"  # handled, with nothing left to start
    PENDING = "pending"  # a plan to start; the outbox dispatcher retries until it went through
    DISPATCHED = "dispatched"  # every action of the plan went through
    FAILED = "failed"  # Temporal refused it for good, or out of attempts / time
    IGNORED = "ignored"  # nothing to start
    REJECTED = "rejected"  # refused at the door (signature, size, malformed)


class SinkStatus(StrEnum):
    """What one notification sink did with a notification."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class NotificationStatus(StrEnum):
    """What became of a notification at one receiver (notifications.status)."""

    PENDING = "pending"  # being sent
    SENT = "sent"
    FAILED = "failed"  # a sink gave up
    SILENCED = "silenced"  # a silence matched it (silence_id)
    MUTED = "muted"  # a time interval muted its route (interval); nothing more comes of it
    HELD = "held"  # muted while its CI group was red: the group sums it up when the mute ends


class SilenceState(StrEnum):
    PENDING = "pending"  # starts later
    ACTIVE = "active"
    EXPIRED = "expired"
