"""`--pin`: the HTTP servers (hookflow's API, the peers) on CPU 0 and the load generator on
CPU 1, so a row's req/s is what one core of server buys; PostgreSQL, Temporal and the workers
stay unpinned (as in issue 23's measurements)."""

from __future__ import annotations

import argparse
import os
import shutil

SERVER_CPU = 0
LOAD_CPU = 1


def add_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pin",
        action="store_true",
        help=f"taskset: servers on CPU {SERVER_CPU}, the load generator on CPU {LOAD_CPU}",
    )


def usable() -> bool:
    return shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2


def _prefix(pin: bool, cpu: int) -> list[str]:
    if not pin:
        return []
    if not usable():
        raise RuntimeError("--pin needs taskset (util-linux) and at least 2 CPUs")
    return ["taskset", "-c", str(cpu)]


def server(pin: bool) -> list[str]:
    """The argv prefix of a server process (taskset execs it: the pid stays the server's)."""
    return _prefix(pin, SERVER_CPU)


def load(pin: bool) -> list[str]:
    return _prefix(pin, LOAD_CPU)
