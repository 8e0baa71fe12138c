"""Plugin: a Temporal dev server of the test's own, to stop and start again (`dev_server`), and a
client that waits for it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.client import Client

from devstack.postgres import free_port
from devstack.temporal_cli import ensure_temporal_cli
from tests.support.required_tools import missing_tool
from tests.support.waiting import eventually


class DevServer:
    """A second, stoppable Temporal dev server with its state in a file (survives restarts)."""

    def __init__(self, db_file: Path, dynamic_config: dict[str, str] | None = None) -> None:
        """`dynamic_config`: the server's dynamic config values (KEY → JSON value)."""
        self.port = free_port()
        self.db_file = db_file
        self.dynamic_config = dynamic_config or {}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        cli = ensure_temporal_cli()
        if cli is None:
            missing_tool("no Temporal CLI binary to run a second dev server")
        self.process = subprocess.Popen(
            [
                cli,
                "server",
                "start-dev",
                "--ip",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--headless",
                "--db-filename",
                str(self.db_file),
                "--log-level",
                "error",
                # Durable across restarts of the server, not across machine crashes: fast.
                "--sqlite-pragma",
                "journal_mode=wal",
                "--sqlite-pragma",
                "synchronous=off",
                *(
                    arg
                    for key, value in self.dynamic_config.items()
                    for arg in ("--dynamic-config-value", f"{key}={value}")
                ),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


async def connect(address: str, within: float = 30) -> Client:
    async def attempt() -> Client | None:
        try:
            return await Client.connect(address)
        except Exception:
            return None  # not up yet

    client: Client = await eventually(attempt, within, f"Temporal at {address}")
    return client


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[DevServer]:
    server = DevServer(tmp_path / "temporal.db")
    server.start()
    yield server
    server.stop()
