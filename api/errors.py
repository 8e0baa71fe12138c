"""How a database failure is answered, for FastAPI's exception handlers and the raw webhook
route alike: never a 2xx for a delivery that was not recorded (GitHub shows the failure and
the delivery can be redelivered); 503 only when the database is really unreachable."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from delivery.outage import is_outage

log = logging.getLogger("hookflow.api")

UNAVAILABLE: tuple[int, dict[str, Any]] = (
    503,
    {"status": "error", "reason": "database unavailable"},
)
INTERNAL: tuple[int, dict[str, Any]] = (500, {"status": "error", "reason": "internal error"})
# The types FastAPI's handlers are registered for (api/main.py), in the order they are tried.
HANDLED = (StatementError, PoolTimeout, ConnectionError)


def statement_error(exc: Exception) -> tuple[int, dict[str, Any]]:
    if is_outage(exc):
        log.error("database unavailable: %s", type(exc).__name__)
        return UNAVAILABLE
    log.error("database refused a statement: %s", type(exc).__name__, exc_info=exc)
    return INTERNAL


def unavailable(exc: Exception) -> tuple[int, dict[str, Any]]:
    log.error("database unavailable: %s", type(exc).__name__)
    return UNAVAILABLE


def answer_for(exc: Exception) -> tuple[int, dict[str, Any]] | None:
    """The answer FastAPI's handlers give for `exc`, or None (a plain 500, re-raised)."""
    if isinstance(exc, StatementError):
        return statement_error(exc)
    if isinstance(exc, PoolTimeout | ConnectionError):
        return unavailable(exc)
    return None
