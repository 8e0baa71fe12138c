"""Plugin: a Temporal dev server of the test's own, to stop and start again (`dev_server`), and a
client that waits for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.client import Client

from devstack.processes import FileTemporal
from devstack.temporal_cli import ensure_temporal_cli
from tests.support.required_tools import missing_tool
from tests.support.waiting import eventually

# The name the outage tests know the server by.
DevServer = FileTemporal


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
    cli = ensure_temporal_cli()
    if cli is None:
        missing_tool("no Temporal CLI binary to run a second dev server")
    server = DevServer(cli, tmp_path / "temporal.db")
    server.start()
    yield server
    server.stop()
