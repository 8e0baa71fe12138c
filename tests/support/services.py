"""The real services a test run shares: one PostgreSQL cluster holding a migrated template
database, and one Temporal dev server. Under pytest-xdist the controller starts them once, hands
their addresses to its workers and stops them when the run ends."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg
from temporalio.testing import WorkflowEnvironment

from db.migrate import upgrade
from devstack.postgres import PostgresServer, start_postgres
from devstack.temporal_cli import ensure_temporal_cli
from workflows.search_attributes import ensure_search_attributes

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

    @contextlib.contextmanager
    def scratch_database(self, template: str | None = None) -> Iterator[str]:
        """The URL of a new database (empty, or a copy of `template`), dropped afterwards."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        copy = f" TEMPLATE {template}" if template else ""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}{copy}")
        try:
            yield self.url(name)
        finally:
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass(frozen=True)
class Addresses:
    postgres_port: int
    temporal: str  # host:port of the dev server

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, text: str) -> Addresses:
        return cls(**json.loads(text))


def start_postgres_with_template() -> PostgresServer:
    """A fresh cluster with TEMPLATE_DB migrated to head: each test clones it in milliseconds."""
    server = start_postgres()
    try:
        with psycopg.connect(server.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {TEMPLATE_DB}")
        upgrade(server.url(TEMPLATE_DB))
    except BaseException:
        server.stop()
        raise
    return server


def worker_namespace(worker_id: str) -> str:
    """Each xdist worker's own namespace on the shared server: workflow ids are business keys
    (a repository and an issue number), so two tests running at once must not share one."""
    return f"hookflow-{worker_id}"


async def start_temporal(namespaces: Sequence[str] = ()) -> WorkflowEnvironment:
    """The dev server with "default" and `namespaces`, each with hookflow's search attributes."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=ensure_temporal_cli(),
        dev_server_log_level="error",
        dev_server_extra_args=[arg for ns in namespaces for arg in ("--namespace", ns)],
    )
    for namespace in ("default", *namespaces):
        await ensure_search_attributes(env.client, namespace)
    return env


@contextlib.contextmanager
def _output_to(log: Path) -> Iterator[None]:
    """Point this process's stdout and stderr at `log` while servers start: they inherit them,
    and the xdist controller's terminal shows pytest's report only."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    try:
        with log.open("ab") as out:
            os.dup2(out.fileno(), 1)
            os.dup2(out.fileno(), 2)
        yield
    finally:
        for fd, copy in zip((1, 2), saved, strict=True):
            os.dup2(copy, fd)
            os.close(copy)


class SharedServices:
    """Both services, started in the xdist controller (which runs no test, so its own event loop
    only serves the dev server's start and shutdown)."""

    def __init__(self, worker_ids: Sequence[str]) -> None:
        self._loop = asyncio.new_event_loop()
        self._postgres = start_postgres_with_template()
        namespaces = [worker_namespace(w) for w in worker_ids]
        fd, name = tempfile.mkstemp(prefix="hookflow-temporal-", suffix=".log")
        os.close(fd)
        self._log = Path(name)
        try:
            with _output_to(self._log):
                self._temporal = self._loop.run_until_complete(start_temporal(namespaces))
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
            self._log.unlink(missing_ok=True)
