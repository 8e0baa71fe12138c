"""The whole service on this machine for benchmarks: PostgreSQL, Temporal, worker, API, peers.

Everything listens on 127.0.0.1 and lives in temporary directories removed on exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from bench import pinning
from bench.peers import SCHEMA
from db.migrate import upgrade
from devstack.postgres import PostgresServer, free_port, start_postgres
from devstack.processes import FileTemporal, api_command
from devstack.temporal_cli import ensure_temporal_cli
from tests.support.fakes.sinks import FakeAIMaestro, Recorded
from workflows.search_attributes import ensure_search_attributes

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-webhook-secret-" + "0" * 16
API_TOKEN = "bench-api-token-" + "1" * 16
TASK_QUEUE = "hookflow-bench"


class TimedMaestro(FakeAIMaestro):
    """The AI Maestro fake, noting when (wall clock) each message arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[tuple[float, str]] = []
        self._timing = threading.Lock()

    def handle(self, recorded: Recorded) -> tuple[int, Any]:
        import json

        with self._timing:
            self.received.append((time.time(), json.dumps(recorded.body)))
        return super().handle(recorded)


def wait_http(url: str, process: subprocess.Popen[bytes], deadline_s: float = 60) -> None:
    give_up = time.monotonic() + deadline_s
    while time.monotonic() < give_up:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=1, trust_env=False).status_code < 500:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {deadline_s}s")


class RestartableTemporal(FileTemporal):
    """The bench's own Temporal dev server, its state a file (the outage bench stops and starts
    it again), with the bench's client once it answers."""

    def __init__(self, db_file: Path) -> None:
        cli = ensure_temporal_cli()
        if cli is None:
            raise RuntimeError("no Temporal CLI")
        super().__init__(cli, db_file)
        self.client: Client | None = None

    async def connect(self, within: float = 60) -> Client:
        give_up = time.monotonic() + within
        while True:
            try:
                self.client = await Client.connect(self.address)
                return self.client
            except Exception:
                if time.monotonic() > give_up:
                    raise
                await asyncio.sleep(0.2)


class Stack:
    """Start with `await Stack.start()`, stop with `await stack.stop()`; or both around a block
    with `async with Stack.running() as stack:`."""

    def __init__(self, *, pin: bool = False) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="hookflow-bench-"))
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.postgres: PostgresServer | None = None
        self.temporal: WorkflowEnvironment | None = None
        self.restartable: RestartableTemporal | None = None
        self.maestro = TimedMaestro()
        self.ports: dict[str, int] = {}
        self.database_url = ""
        self.peer_dsn = ""
        self.pin = pin
        self.extra_env: dict[str, str] = {}

    @classmethod
    async def start(
        cls,
        *,
        api_workers: int = 1,
        worker_processes: int = 1,
        pin: bool = False,
        restartable_temporal: bool = False,
        peers: tuple[str, ...] = ("bare", "commit", "group", "start"),
        env: dict[str, str] | None = None,
    ) -> Stack:
        stack = cls(pin=pin)
        stack.extra_env = dict(env or {})
        try:
            await stack._start(api_workers, worker_processes, restartable_temporal, peers)
        except BaseException:
            await stack.stop()
            raise
        return stack

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, **options: Any) -> AsyncIterator[Stack]:
        """`Stack.start(**options)`, stopped when the block ends."""
        stack = await cls.start(**options)
        try:
            yield stack
        finally:
            await stack.stop()

    @property
    def client(self) -> Client:
        """The bench's own Temporal client."""
        if self.restartable is not None:
            assert self.restartable.client is not None
            return self.restartable.client
        assert self.temporal is not None
        return self.temporal.client

    async def _start(
        self,
        api_workers: int,
        worker_processes: int,
        restartable_temporal: bool,
        peers: tuple[str, ...],
    ) -> None:
        self.postgres = start_postgres()
        with psycopg.connect(self.postgres.admin_url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE hookflow")
            conn.execute("CREATE DATABASE peers")
        self.database_url = self.postgres.url("hookflow")
        self.peer_dsn = self.postgres.admin_url.rsplit("/", 1)[0] + "/peers"
        upgrade(self.database_url)
        with psycopg.connect(self.peer_dsn, autocommit=True) as conn:
            conn.execute(SCHEMA)
        if restartable_temporal:
            self.restartable = RestartableTemporal(self.tmp / "temporal.db")
            self.restartable.start()
            await self.restartable.connect()
        else:
            self.temporal = await WorkflowEnvironment.start_local(
                dev_server_existing_path=ensure_temporal_cli(),
                dev_server_log_level="error",
            )
        await ensure_search_attributes(self.client, "default")
        self.maestro.start()
        env = self.env()
        for i in range(worker_processes):
            self.spawn(f"worker{i}", [sys.executable, "worker.py"], env)
        for name, extra in (("api", {}), ("api_nolog", {"WEBHOOK_LOG_FILES": "false"})):
            self.ports[name] = free_port()
            self.spawn(
                name,
                [
                    *pinning.server(self.pin),
                    *api_command(
                        self.ports[name], "--workers", str(api_workers), "--no-access-log"
                    ),
                ],
                env | extra,
            )
        if "start" in peers:
            self.spawn("peer_worker", [sys.executable, "-m", "bench.peer_worker"], env)
        for mode in peers:
            self.ports[mode] = free_port()
            dsn = ["--dsn", self.peer_dsn] if mode != "bare" else []
            self.spawn(
                mode,
                [
                    *pinning.server(self.pin),
                    sys.executable,
                    "-m",
                    "bench.peers",
                    "--mode",
                    mode,
                    "--port",
                    str(self.ports[mode]),
                    *dsn,
                ],
                env,
            )
        for name in ("api", "api_nolog", *peers):
            wait_http(f"http://127.0.0.1:{self.ports[name]}/healthz", self.processes[name])

    @property
    def temporal_address(self) -> str:
        return str(self.client.service_client.config.target_host)

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GITHUB_", "NOTIFY_", "RUN_", "AIMAESTRO_"))
        }
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "TEMPORAL_ADDRESS": self.temporal_address,
                "TEMPORAL_NAMESPACE": "default",
                "TEMPORAL_TASK_QUEUE": TASK_QUEUE,
                "GITHUB_WEBHOOK_SECRET": SECRET,
                "API_TOKEN": API_TOKEN,
                "AIMAESTRO_URL": self.maestro.url,
                "LOG_DIR": str(self.tmp / "logs"),
                "RUN_WORKSPACE_DIR": str(self.tmp / "workspaces"),
                # No GitHub here: runs fail at their first GitHub step, after RUNNING.
                "GITHUB_API_URL": "http://127.0.0.1:9/unconfigured",
                "LOG_LEVEL": "WARNING",
                # Off: several workers (and other benches on the box) would share one port.
                "WORKER_METRICS_PORT": "0",
            }
        )
        env.update(self.extra_env)
        return env

    def check_alive(self) -> None:
        """Every process the stack started is still running (a crash says so at once)."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited ({process.returncode}): see {self.tmp}")

    def spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        log = (self.tmp / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )

    def url(self, name: str, path: str = "/api/webhooks/github") -> str:
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    async def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.maestro._thread.is_alive():
            self.maestro.stop()
        if self.temporal is not None:
            await self.temporal.shutdown()
        if self.restartable is not None:
            self.restartable.stop()
        if self.postgres is not None:
            self.postgres.stop()
