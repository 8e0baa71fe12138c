"""Connections of the group-commit writers: autocommit psycopg connections kept open between
batches and replaced when broken. Errors come out as SQLAlchemy's, like the rest of the app's."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://…) as libpq takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class WriterConnections:
    """One statement at a time per connection, each its own transaction (autocommit).

    Plain psycopg rather than the engine's pool: the statement is sent as it is (no ping,
    BEGIN or COMMIT round trips, no SQLAlchemy layer), and psycopg prepares it once per
    connection. Idle connections are kept; at most as many as statements ran at once."""

    def __init__(self, url: str, *, connect_timeout: int = 3) -> None:
        self._conninfo = libpq_url(url)
        self._connect_timeout = connect_timeout
        self._idle: list[psycopg.AsyncConnection[Any]] = []

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        return await psycopg.AsyncConnection.connect(
            self._conninfo, autocommit=True, connect_timeout=self._connect_timeout
        )

    async def execute(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The statement's rows, after it committed. A kept connection the server dropped
        since its last use (a restart) is replaced and the statement sent once more: it did
        not run, or it committed and the caller's conflict handling sees its rows."""
        for attempt in (1, 2):
            kept = bool(self._idle)
            conn: psycopg.AsyncConnection[Any] | None = None
            try:
                conn = self._idle.pop() if kept else await self._connect()
                cursor = await conn.execute(sql, params, prepare=True)
                rows = await cursor.fetchall()
            except psycopg.Error as exc:
                broken = conn is None or conn.broken or conn.closed
                if conn is not None:
                    if broken:
                        await conn.close()
                    else:
                        self._idle.append(conn)
                if broken and kept and attempt == 1:
                    continue
                raise DBAPIError.instance(
                    sql, None, exc, psycopg.Error, connection_invalidated=broken
                ) from exc
            except BaseException:  # cancelled mid-statement: the connection's state is unknown
                if conn is not None:
                    await conn.close()
                raise
            self._idle.append(conn)
            return rows
        raise AssertionError("unreachable")

    async def close(self) -> None:
        while self._idle:
            with contextlib.suppress(psycopg.Error):
                await self._idle.pop().close()
