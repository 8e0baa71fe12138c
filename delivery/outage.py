"""Tell a database outage (answer 503, the sender retries) from a refused statement (a bug or
bad data: retrying the same request cannot help, so it must not look like an outage)."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

OUTAGE_ERRORS = (OperationalError, InterfaceError, PoolTimeout, ConnectionError, TimeoutError)


def is_outage(exc: BaseException) -> bool:
    """Connection refused or lost, server shutting down or starting, pool exhausted."""
    if isinstance(exc, OUTAGE_ERRORS):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated
