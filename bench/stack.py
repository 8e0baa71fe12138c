"""The whole service on this machine for benchmarks: PostgreSQL, Temporal, worker, API, peers.

Everything listens on 127.0.0.1 and lives in temporary directories removed on exit.
"""

from __future__ import annotations

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
from temporalio.testing import WorkflowEnvironment

from bench.peers import SCHEMA
from db.migrate import upgrade
from devstack.postgres import PostgresServer, free_port, start_postgres
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


class Stack:
    """Start with `await Stack.start()`, stop with `await stack.stop()`; or both around a block
    with `async with Stack.running() as stack:`."""

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="hookflow-bench-"))
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.postgres: PostgresServer | None = None
        self.temporal: WorkflowEnvironment | None = None
        self.maestro = TimedMaestro()
        self.ports: dict[str, int] = {}
        self.database_url = ""
        self.peer_dsn = ""

    @classmethod
    async def start(cls, *, api_workers: int = 1, worker_processes: int = 1) -> Stack:
        stack = cls()
        try:
            await stack._start(api_workers, worker_processes)
        except BaseException:
            await stack.stop()
            raise
        return stack

    @classmethod
    @contextlib.asynccontextmanager
    async def running(
        cls, *, api_workers: int = 1, worker_processes: int = 1
    ) -> AsyncIterator[Stack]:
        stack = await cls.start(api_workers=api_workers, worker_processes=worker_processes)
        try:
            yield stack
        finally:
            await stack.stop()

    async def _start(self, api_workers: int, worker_processes: int) -> None:
        self.postgres = start_postgres()
        with psycopg.connect(self.postgres.admin_url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE hookflow")
            conn.execute("CREATE DATABASE peers")
        self.database_url = self.postgres.url("hookflow")
        self.peer_dsn = self.postgres.admin_url.rsplit("/", 1)[0] + "/peers"
        upgrade(self.database_url)
        with psycopg.connect(self.peer_dsn, autocommit=True) as conn:
            conn.execute(SCHEMA)
        self.temporal = await WorkflowEnvironment.start_local(
            dev_server_existing_path=ensure_temporal_cli(),
            dev_server_log_level="error",
        )
        await ensure_search_attributes(self.temporal.client, "default")
        self.maestro.start()
        env = self.env()
        for i in range(worker_processes):
            self.spawn(f"worker{i}", [sys.executable, "worker.py"], env)
        self.ports["api"] = free_port()
        self.spawn(
            "api",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.ports["api"]),
                "--workers",
                str(api_workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env,
        )
        for mode in ("bare", "commit", "group"):
            self.ports[mode] = free_port()
            dsn = ["--dsn", self.peer_dsn] if mode != "bare" else []
            self.spawn(
                mode,
                [
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
        for name in ("api", "bare", "commit", "group"):
            wait_http(f"http://127.0.0.1:{self.ports[name]}/healthz", self.processes[name])

    @property
    def temporal_address(self) -> str:
        assert self.temporal is not None
        return str(self.temporal.client.service_client.config.target_host)

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
        return env

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
        if self.postgres is not None:
            self.postgres.stop()
