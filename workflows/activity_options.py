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

# GitHub REST writes and reads (idempotent activities: a retry never duplicates).
GITHUB_ACTIVITY: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=60),
    "heartbeat_timeout": CRASH_DETECTION,
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=2),
        maximum_attempts=8,
    ),
}

# Clone and push: git heartbeats while it works.
WORKSPACE_ACTIVITY: dict[str, Any] = {
    "start_to_close_timeout": timedelta(minutes=10),
    "heartbeat_timeout": CRASH_DETECTION,
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=2), maximum_attempts=4,
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
