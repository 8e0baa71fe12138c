"""The quick start (`./scripts/run.sh` → devstack.up) honours configuration, as seed 002's steps
expect: a secret in ~/.atlas/.env is the one in use (a delivery signed with it answers 200; the
banner says where it comes from, never its value); with none configured one is generated and
printed; webhook logs go to ~/.atlas/webhook_logs. Also seed 002's `hookflow --port N`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from devstack.postgres import free_port
from settings import Settings
from tests.support.files import FIXTURES, ROOT
from tests.support.operator import BIN, alembic_upgrade
from tests.support.webhooks import signed_headers

ATLAS_SECRET = "atlas-configured-secret-4c1d9e"
BODY = (FIXTURES / "events" / "push.main.json").read_bytes()


@dataclass
class Stack:
    url: str
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def output(self) -> str:
        return "".join(self.lines)


def post(url: str, secret: str, delivery: str) -> httpx.Response:
    headers = signed_headers(BODY, "push", secret=secret, delivery=delivery)
    return httpx.post(f"{url}/api/webhooks/github", content=BODY, headers=headers, timeout=10)


def start(command: list[str], env: dict[str, str], port: int, wait_for: str) -> Stack:
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    stack = Stack(f"http://127.0.0.1:{port}", process)
    assert process.stdout is not None
    stdout = process.stdout

    def pump() -> None:
        for line in stdout:
            stack.lines.append(line)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited {process.returncode}:\n{stack.output()}")
        try:
            if httpx.get(f"{stack.url}/healthz", timeout=2).status_code == 200 and (
                wait_for in stack.output()
            ):
                return stack
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"not up:\n{stack.output()}")


def stop(stack: Stack) -> None:
    stack.process.send_signal(signal.SIGTERM)
    try:
        stack.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        stack.process.kill()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def base_env(settings: Settings, home: Path, tmp_path: Path) -> dict[str, str]:
    empty = tmp_path / "project.env"  # stands in for ./.env: nothing of the checkout's own
    empty.write_text("")
    env = dict(os.environ)  # the test fixtures removed every hookflow variable of the machine
    env.update(
        {
            "HOME": str(home),
            "HOOKFLOW_ENV_FILE": str(empty),
            "HOOKFLOW_DEV_DIR": str(tmp_path / "dev"),
            # The session's Temporal (the quick start would start its own otherwise)
            "TEMPORAL_ADDRESS": settings.temporal_address,
            "TEMPORAL_NAMESPACE": settings.temporal_namespace,
            "TEMPORAL_TASK_QUEUE": settings.temporal_task_queue,
            "WEBHOOK_HOST": "127.0.0.1",
            "WORKER_METRICS_PORT": "0",
            "RETENTION_SCHEDULE": "off",
        }
    )
    return env


@pytest.fixture
def quick_start(base_env: dict[str, str], request: pytest.FixtureRequest) -> Iterator[Stack]:
    port = free_port()
    env = {**base_env, "WEBHOOK_PORT": str(port)}
    stack = start([sys.executable, "-m", "devstack.up"], env, port, "hookflow is running")
    yield stack
    stop(stack)


@pytest.fixture
def atlas_secret(home: Path) -> None:
    (home / ".atlas").mkdir()
    (home / ".atlas" / ".env").write_text(f"GITHUB_WEBHOOK_SECRET={ATLAS_SECRET}\n")


@pytest.mark.usefixtures("atlas_secret")
def test_quick_start_uses_the_secret_in_atlas_env(quick_start: Stack, home: Path) -> None:
    banner = quick_start.output()
    assert "webhook secret  from ~/.atlas/.env (GITHUB_WEBHOOK_SECRET)" in banner
    assert ATLAS_SECRET not in banner
    assert f"webhook logs    {home}/.atlas/webhook_logs" in banner
    answer = post(quick_start.url, ATLAS_SECRET, "qs-atlas-1")
    assert answer.status_code == 200, answer.text
    # The API token was not configured: generated, printed, and it works.
    token = re.search(r"API token\s+(\S+)\s+\(generated", banner)
    assert token is not None, banner
    runs = httpx.get(
        f"{quick_start.url}/api/runs",
        headers={"Authorization": f"Bearer {token.group(1)}"},
        timeout=10,
    )
    assert runs.status_code == 200
    # Seed 002: "ls -lt ~/.atlas/webhook_logs/" shows the delivery.
    logs = home / ".atlas" / "webhook_logs"
    deadline = time.monotonic() + 20
    # The delivery's file is written first, then latest.json points at it.
    while time.monotonic() < deadline and not (
        list(logs.glob("*_push.json")) and (logs / "latest.json").exists()
    ):
        time.sleep(0.3)
    assert [p.name for p in logs.glob("*_push.json")], list(logs.glob("*")) if logs.exists() else []
    assert (logs / "latest.json").exists()


def test_quick_start_generates_and_prints_a_secret_when_none_is_configured(
    quick_start: Stack, tmp_path: Path
) -> None:
    banner = quick_start.output()
    found = re.search(r"webhook secret\s+([0-9a-f]{64})\s+\(generated, kept in (\S+)\)", banner)
    assert found is not None, banner
    assert found.group(2) == str(tmp_path / "dev" / "dev.env")
    assert post(quick_start.url, found.group(1), "qs-gen-1").status_code == 200
    assert post(quick_start.url, ATLAS_SECRET, "qs-gen-2").status_code == 401


def test_hookflow_port_runs_the_webhook_server(base_env: dict[str, str], tmp_path: Path) -> None:
    """Seed 002: `ci_webhook_handler.py --port 9000` is `hookflow --port 9000` here."""
    port = free_port()
    db = tmp_path / "port.db"
    env = {
        **base_env,
        "GITHUB_WEBHOOK_SECRET": ATLAS_SECRET,
        "API_TOKEN": "port-test-token-123",
        "DATABASE_URL": f"sqlite:///{db}",
        "WEBHOOK_PORT": "9",  # --port wins
    }
    alembic_upgrade(env)
    stack = start([str(BIN / "hookflow"), "--port", str(port)], env, port, "")
    try:
        assert post(stack.url, ATLAS_SECRET, "port-1").status_code == 200
    finally:
        stop(stack)
