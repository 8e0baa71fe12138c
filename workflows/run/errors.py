"""How a run step ends badly: cancelled, failed for good, or an activity error to classify."""

from __future__ import annotations

from temporalio.exceptions import ActivityError, ApplicationError, TimeoutType
from temporalio.exceptions import TimeoutError as ActivityTimeout

from workflows.activity_options import NON_RETRYABLE_PHASE_ERRORS

# How a failed step reaches the workflow: an activity's failure as ActivityError, a local
# activity's (once its retries are spent) as the ApplicationError it raised.
STEP_ERRORS = (ActivityError, ApplicationError)


class RunCancelled(Exception):
    """The `cancel` signal arrived."""


class RunFailed(Exception):
    """The run cannot go on; the message is the reason shown to people."""


def crashed(exc: ActivityError) -> bool:
    """The activity's worker died (no heartbeat) or shut down, as opposed to the work failing."""
    cause = exc.cause
    if isinstance(cause, ApplicationError):
        return cause.type == "WorkerShutdown"
    return isinstance(cause, ActivityTimeout) and cause.type == TimeoutType.HEARTBEAT


def phase_retryable(exc: ActivityError) -> bool:
    """Whether a failed phase attempt may be tried again (its error is not a final one)."""
    cause = exc.cause
    if isinstance(cause, ApplicationError):
        return not cause.non_retryable and cause.type not in NON_RETRYABLE_PHASE_ERRORS
    return True


def reason_of(exc: BaseException) -> str:
    """The innermost cause's message: what actually went wrong."""
    cause: BaseException | None = exc
    while isinstance(cause, ActivityError) and cause.cause is not None:
        cause = cause.cause
    return str(cause or exc)


def refused_hosts_of(exc: ActivityError) -> list[str]:
    """The host:port pairs the egress proxy refused during a failed phase attempt (the command
    agent puts them in its error's details)."""
    cause = exc.cause
    if not isinstance(cause, ApplicationError) or not cause.details:
        return []
    first = cause.details[0]
    hosts = first.get("refused_hosts") if isinstance(first, dict) else None
    return [str(h) for h in hosts] if isinstance(hosts, list) else []
