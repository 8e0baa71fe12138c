"""Start a throwaway PostgreSQL cluster from Debian's packages (tests and local runs)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


class PostgresNotInstalled(RuntimeError):
    pass


def find_pg_bin() -> Path:
    """The newest installed server's bin directory (Debian keeps it off PATH)."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if candidates:
        return Path(candidates[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise PostgresNotInstalled(
        "PostgreSQL server not found; install it (apt-get update && apt-get install -y "
        "postgresql) or run scripts/test.sh, which does"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    data_dir: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def halt(self) -> None:
        """Stop the server but keep its data (an outage; `resume` brings it back)."""
        pid_file = self.data_dir / "data" / "postmaster.pid"
        if self.process.poll() is None and pid_file.exists():
            # SIGINT is PostgreSQL's fast shutdown: it ends open sessions (SIGTERM would wait
            # for the clients to leave). Sent to the postmaster itself, not to runuser.
            with contextlib.suppress(ProcessLookupError, ValueError, IndexError):
                os.kill(int(pid_file.read_text().splitlines()[0]), signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        deadline = time.monotonic() + 15
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    def resume(self) -> None:
        self.process = _launch(find_pg_bin(), self.data_dir, self.port)
        _wait_ready(self)

    def stop(self) -> None:
        self.halt()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def _as_postgres_user(cmd: list[str]) -> list[str]:
    # The server refuses to run as root; as root we drop to the `postgres` account.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def start_postgres(port: int | None = None) -> PostgresServer:
    """initdb a fresh cluster in a temp dir and start it on 127.0.0.1 with trust auth."""
    bin_dir = find_pg_bin()
    data_dir = Path(tempfile.mkdtemp(prefix="hookflow-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data_dir, "postgres", "postgres")
    subprocess.run(
        _as_postgres_user(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data_dir / "data"),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )
    port = port or free_port()
    server = PostgresServer(data_dir=data_dir, port=port, process=_launch(bin_dir, data_dir, port))
    try:
        _wait_ready(server)
    except RuntimeError:
        server.stop()
        raise
    return server


def _launch(bin_dir: Path, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        _as_postgres_user(
            [
                str(bin_dir / "postgres"),
                "-D",
                str(data_dir / "data"),
                "-p",
                str(port),
                "-k",
                str(data_dir),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=300",
            ]
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_ready(server: PostgresServer) -> None:
    deadline = time.monotonic() + 30
    ready = str(find_pg_bin() / "pg_isready")
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"postgres exited with code {server.process.returncode}")
        if (
            subprocess.run(
                [ready, "-h", "127.0.0.1", "-p", str(server.port)], capture_output=True
            ).returncode
            == 0
        ):
            return
        time.sleep(0.1)
    raise RuntimeError("postgres did not become ready in 30 s")
