"""`python worker.py` as a separate process configured through its environment, as in
production: for tests that SIGKILL the worker or read its /proc entries."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from settings import Settings, format_duration
from tests.support.files import ROOT

STARTED_LINE = "agent sandbox:"


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes `load_settings()` in a child equal `settings`."""
    env: dict[str, str] = {}
    for name in type(settings).model_fields:
        value: Any = getattr(settings, name)
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, timedelta):
            value = format_duration(value)
        elif isinstance(value, tuple):
            value = ",".join(format_duration(item) for item in value)
        env[name.upper()] = str(value)
    return env


class WorkerProcess:
    def __init__(self, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.proc, self.log = proc, log

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, as when the machine or the OOM killer stops it."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)


@contextmanager
def worker_process(
    settings: Settings,
    log: Path,
    *,
    home: Path,
    extra_env: dict[str, str] | None = None,
    start_within: float = 30,
) -> Iterator[WorkerProcess]:
    """Start a worker with the settings in its environment; waits until it polls."""
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "PYTHONPATH": str(ROOT),
        **settings_env(settings),
        **(extra_env or {}),
    }
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "worker.py")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    worker = WorkerProcess(proc, log)
    try:
        deadline = time.monotonic() + start_within
        while STARTED_LINE not in worker.output():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"worker did not start:\n{worker.output()[-3000:]}")
            time.sleep(0.1)
        yield worker
    finally:
        worker.kill()
