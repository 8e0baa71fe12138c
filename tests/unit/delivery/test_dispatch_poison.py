"""Which dispatch errors end a delivery at once, the backoff between tries, and the reason a failed
dispatch records (pure decisions of the outbox dispatcher)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.service import RPCError, RPCStatusCode

from delivery.dispatcher import backoff, is_permanent
from delivery.temporal_calls import give_up_reason


@pytest.mark.parametrize(
    "exc, permanent",
    [
        (RPCError("WorkflowId length exceeds limit.", RPCStatusCode.INVALID_ARGUMENT, b""), True),
        (RPCError("Blob data size exceeds limit.", RPCStatusCode.INVALID_ARGUMENT, b""), True),
        (
            RPCError(
                "grpc: received message larger than max (5 vs. 4)",
                RPCStatusCode.RESOURCE_EXHAUSTED,
                b"",
            ),
            True,
        ),
        (RPCError("namespace rate limit exceeded", RPCStatusCode.RESOURCE_EXHAUSTED, b""), False),
        (RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b""), False),
        (RPCError("deadline", RPCStatusCode.DEADLINE_EXCEEDED, b""), False),
        (RuntimeError("Failed client connect: connection refused"), False),
        (TimeoutError(), False),
        (TypeError("Object of type set is not JSON serializable"), True),
    ],
)
def test_is_permanent_classifies_temporal_errors(exc: BaseException, permanent: bool) -> None:
    assert is_permanent(exc) is permanent


@pytest.mark.parametrize(
    "attempts, seconds", [(1, 2), (2, 4), (3, 8), (8, 256), (9, 300), (50, 300), (10_000, 300)]
)
def test_backoff_doubles_up_to_the_cap(attempts: int, seconds: float) -> None:
    assert backoff(attempts, 2.0) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    "exc, attempts, age_s, reason",
    [
        (RPCError("bad", RPCStatusCode.INVALID_ARGUMENT, b""), 1, 0, "Temporal refused it"),
        (TimeoutError(), 1, 0, None),
        (TimeoutError(), 4, 599, None),
        (TimeoutError(), 5, 0, "gave up after 5 attempts"),
        (TimeoutError(), 1, 600, "gave up after 0:10:00 (DISPATCH_MAX_AGE)"),
    ],
)
def test_give_up_reason_ends_permanent_or_exhausted_dispatches(
    exc: BaseException, attempts: int, age_s: int, reason: str | None
) -> None:
    age, max_age = timedelta(seconds=age_s), timedelta(minutes=10)
    assert give_up_reason(exc, attempts, 5, age, max_age) == reason
