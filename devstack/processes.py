"""hookflow's services as local processes on 127.0.0.1, for the benches and the fault tests: the
API's uvicorn command, and a Temporal dev server whose state is a file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from devstack.postgres import free_port


def api_command(port: int, *options: str) -> list[str]:
    """`uvicorn api.main:app` on 127.0.0.1:`port`, logging warnings only, then `options`."""
    return [
        *(sys.executable, "-m", "uvicorn", "api.main:app"),
        *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
        *options,
    ]


class FileTemporal:
    """A Temporal dev server of its own on a free port with its state in `db_file`: stopped and
    started again, it keeps its workflows (the outage tests and benches)."""

    def __init__(
        self, cli: str, db_file: Path, dynamic_config: dict[str, str] | None = None
    ) -> None:
        """`dynamic_config`: the server's dynamic config values (key → JSON value)."""
        self.cli = cli
        self.port = free_port()
        self.db_file = db_file
        self.dynamic_config = dynamic_config or {}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(self.cli, "server", "start-dev", "--ip", "127.0.0.1", "--port", str(self.port)),
                *("--headless", "--db-filename", str(self.db_file), "--log-level", "error"),
                # Durable across restarts of the server, not across machine crashes: fast.
                *("--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=off"),
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
            self.process.wait(timeout=30)
