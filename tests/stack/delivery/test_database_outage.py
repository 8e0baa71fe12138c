"""PostgreSQL stopped under a running API: 503 (never a 2xx that was not recorded), then
recovery without a restart, and GitHub's redelivery of the refused delivery is accepted."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import psycopg
from httpx import AsyncClient

from api.main import create_app
from devstack.postgres import PostgresServer
from settings import Settings
from tests.support.app import serve
from tests.support.webhooks import deliver

PING = {"zen": "Design for failure.", "hook_id": 1}


async def warm_api(own_postgres: PostgresServer, settings: Settings) -> AsyncIterator[AsyncClient]:
    """The app on `own_postgres`, one ping recorded first: its pool holds live connections."""
    conf = settings.model_copy(update={"database_url": own_postgres.url("hookflow")})
    async for api in serve(create_app(conf)):
        assert (await deliver(api, "ping", PING)).status_code == 200
        yield api


def count_events(server: PostgresServer) -> int:
    with psycopg.connect(server.url("hookflow").replace("+psycopg", "")) as conn:
        row = conn.execute("SELECT count(*) FROM webhook_events").fetchone()
        return int(row[0]) if row else 0


def port_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


async def test_deliver_while_database_stopped_is_503_then_redelivery_recorded(
    own_postgres: PostgresServer, settings: Settings
) -> None:
    async for api in warm_api(own_postgres, settings):
        own_postgres.halt()
        assert port_closed(own_postgres.port)
        refused = await deliver(api, "ping", PING, delivery="redeliver-me")
        assert refused.status_code == 503
        assert refused.json() == {"status": "error", "reason": "database unavailable"}
        assert (await api.get("/readyz")).status_code == 503
        assert (await api.get("/healthz")).status_code == 200

        own_postgres.resume()
        again = await deliver(api, "ping", PING, delivery="redeliver-me")
        assert again.status_code == 200
        assert (await api.get("/readyz")).status_code == 200
    assert count_events(own_postgres) == 2


async def test_deliver_after_database_restart_is_recorded_not_503(
    own_postgres: PostgresServer, settings: Settings
) -> None:
    async for api in warm_api(own_postgres, settings):
        own_postgres.halt()
        own_postgres.resume()
        # The kept connections are stale now: replaced at once, the delivery is recorded.
        assert (await deliver(api, "ping", PING)).status_code == 200
    assert count_events(own_postgres) == 2
