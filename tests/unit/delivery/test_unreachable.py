"""Which start failures mean "Temporal cannot be reached" (its return then releases every
backoff at once) and which keep their backoff: a server that answers, even UNAVAILABLE for a
part of it, is not an outage of the connection."""

from __future__ import annotations

import pytest
from temporalio.service import RPCError, RPCStatusCode

from delivery.temporal_calls import is_unreachable

CASES = [
    ("lazy-client-connect", RuntimeError("Failed client connect: Server connection error"), True),
    (
        "transport-refused",
        RPCError(
            "tcp connect error: Connection refused (os error 111)", RPCStatusCode.UNAVAILABLE, b""
        ),
        True,
    ),
    ("transport-broken", RPCError("transport error", RPCStatusCode.UNAVAILABLE, b""), True),
    (
        "server-shard-not-ready",
        RPCError("Shard status unknown", RPCStatusCode.UNAVAILABLE, b""),
        False,
    ),
    ("deadline", RPCError("deadline exceeded", RPCStatusCode.DEADLINE_EXCEEDED, b""), False),
    ("refused-input", RPCError("id too long", RPCStatusCode.INVALID_ARGUMENT, b""), False),
    ("other-runtime-error", RuntimeError("event loop is closed"), False),
    ("timeout", TimeoutError(), False),
]


@pytest.mark.parametrize(
    ("error", "unreachable"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_unreachable_only_when_the_connection_itself_fails(
    error: BaseException, unreachable: bool
) -> None:
    assert is_unreachable(error) is unreachable
