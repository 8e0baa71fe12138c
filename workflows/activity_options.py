"""Activity options shared by the workflows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.common import RetryPolicy

# Bookkeeping in our own database: quick, retried until the database answers again.
DB_ACTIVITY: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(seconds=10)),
}

# Without a heartbeat timeout a write whose worker died is retried only after the whole
# start-to-close timeout; with it, within ~10 s (the worker heartbeats these automatically).
CRASH_DETECTION = timedelta(seconds=10)


def _github(
    *, timeout: timedelta, max_interval: timedelta, max_attempts: int = 0
) -> dict[str, Any]:
    """GitHub REST writes and reads (idempotent activities: a retry never duplicates);
    `max_attempts` 0 retries until GitHub answers."""
    return {
        "start_to_close_timeout": timeout,
        "heartbeat_timeout": CRASH_DETECTION,  # a crashed worker's write is retried within seconds
        "retry_policy": RetryPolicy(
            initial_interval=timedelta(seconds=1),
            maximum_interval=max_interval,
            maximum_attempts=max_attempts,
        ),
    }


# A run (or a command's reply) waits on these: after a few minutes it records the error and
# moves on (a comment is best effort; a failed PR or issue read fails the run visibly).
GITHUB_ACTIVITY = _github(
    timeout=timedelta(seconds=60), max_interval=timedelta(minutes=2), max_attempts=8
)
# Closing a merged PR's issues: nobody waits, so it keeps trying for about an hour.
PR_MERGED_GITHUB_ACTIVITY = _github(
    timeout=timedelta(minutes=1), max_interval=timedelta(minutes=5), max_attempts=20
)
# CI failure issues: the report must land however long GitHub is away (longer logs, longer
# timeout).
CI_FAILURE_GITHUB_ACTIVITY = _github(
    timeout=timedelta(minutes=2), max_interval=timedelta(minutes=5)
)

# Clone and push: git heartbeats while it works.
WORKSPACE_ACTIVITY: dict[str, Any] = {
    "start_to_close_timeout": timedelta(minutes=10),
    "heartbeat_timeout": CRASH_DETECTION,
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=2),
        maximum_attempts=4,
        non_retryable_error_types=["RunConfigError"],
    ),
}

# A phase is attempted once per activity execution: the workflow retries it itself, so a worker
# crash (heartbeat timeout) does not use up the phase's failure budget.
PHASE_ATTEMPT = RetryPolicy(maximum_attempts=1)
PHASE_FAILURES = 3  # agent failures (exit ≠ 0, timeouts) before the phase counts as failed
PHASE_CRASHES = 20  # worker crashes tolerated in one phase
PHASE_BACKOFF = (timedelta(seconds=1), timedelta(seconds=30))  # first, largest pause
NON_RETRYABLE_PHASE_ERRORS = ("RunConfigError",)

# Reading settings in the worker: a local activity (no server round trip), quick or broken.
SETTINGS_ACTIVITY: dict[str, Any] = {"start_to_close_timeout": timedelta(seconds=10)}
