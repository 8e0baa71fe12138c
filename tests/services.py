"""The real services a test run shares: one PostgreSQL cluster holding a migrated template
database, and one Temporal dev server. Under pytest-xdist the controller starts them once, hands
their addresses to its workers and stops them when the run ends."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from temporalio.testing import WorkflowEnvironment

from devstack.postgres import PostgresServer, start_postgres
from devstack.temporal_cli import ensure_temporal_cli
from workflows.search_attributes import ensure_search_attributes

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DB = "hookflow_template"
# The key of the addresses in each xdist worker's `workerinput`.
WORKER_INPUT_KEY = "hookflow_services"


@dataclass(frozen=True)
class PostgresAddress:
    """Where the shared cluster listens (trust auth, superuser `postgres`)."""

    port: int

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"


@dataclass(frozen=True)
class Addresses:
    postgres_port: int
    temporal: str  # host:port of the dev server, namespace "default"

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, text: str) -> Addresses:
        return cls(**json.loads(text))


def migrate(url: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def start_postgres_with_template() -> PostgresServer:
    """A fresh cluster with TEMPLATE_DB migrated to head: each test clones it in milliseconds."""
    server = start_postgres()
    try:
        with psycopg.connect(server.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {TEMPLATE_DB}")
        migrate(server.url(TEMPLATE_DB))
    except BaseException:
        server.stop()
        raise
    return server


async def start_temporal() -> WorkflowEnvironment:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=ensure_temporal_cli(),
        dev_server_log_level="error",
    )
    await ensure_search_attributes(env.client, "default")
    return env


class SharedServices:
    """Both services, started in the xdist controller (which runs no test, so its own event loop
    only serves the dev server's start and shutdown)."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._postgres = start_postgres_with_template()
        try:
            self._temporal = self._loop.run_until_complete(start_temporal())
        except BaseException:
            self._postgres.stop()
            self._loop.close()
            raise
        self.addresses = Addresses(
            postgres_port=self._postgres.port,
            temporal=str(self._temporal.client.service_client.config.target_host),
        )

    def stop(self) -> None:
        try:
            self._loop.run_until_complete(self._temporal.shutdown())
        finally:
            self._loop.close()
            self._postgres.stop()
