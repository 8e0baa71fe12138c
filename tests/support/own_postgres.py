"""Plugin: a PostgreSQL cluster of the test's own (`own_postgres`, a migrated "hookflow" database),
to stop and start again."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from db.migrate import upgrade
from devstack.postgres import PostgresServer, start_postgres


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    server = start_postgres()
    with psycopg.connect(server.admin_url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE hookflow")
    upgrade(server.url("hookflow"))
    yield server
    server.stop()
