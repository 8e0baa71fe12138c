"""Which failed phase attempts are worker crashes (retried outside the failure budget) and which
may be tried again: pure decisions of the run workflow, as a table."""

from __future__ import annotations

import pytest
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    CancelledError,
    TimeoutError,
    TimeoutType,
)

from workflows.run.errors import crashed, phase_retryable


def failed(cause: BaseException) -> ActivityError:
    error = ActivityError(
        "activity failed",
        scheduled_event_id=1,
        started_event_id=2,
        identity="w",
        activity_type="agent.run_phase",
        activity_id="1",
        retry_state=None,
    )
    error.__cause__ = cause
    return error


def timeout(kind: TimeoutType) -> TimeoutError:
    return TimeoutError("timed out", type=kind, last_heartbeat_details=[])


@pytest.mark.parametrize(
    ("cause", "is_crash", "retryable"),
    [
        (timeout(TimeoutType.HEARTBEAT), True, True),
        (ApplicationError("shutting down", type="WorkerShutdown"), True, True),
        (timeout(TimeoutType.START_TO_CLOSE), False, True),
        (ApplicationError("agent exited with 1", type="AgentFailed"), False, True),
        (ApplicationError("not found", type="AgentNotFound", non_retryable=True), False, False),
        (ApplicationError("bad config", type="RunConfigError"), False, False),
        (ApplicationError("no bwrap", type="SandboxUnavailable", non_retryable=True), False, False),
        (CancelledError("cancelled"), False, True),
    ],
)
def test_phase_failure_is_classified_by_its_cause(
    cause: BaseException, is_crash: bool, retryable: bool
) -> None:
    assert crashed(failed(cause)) is is_crash
    assert phase_retryable(failed(cause)) is retryable
