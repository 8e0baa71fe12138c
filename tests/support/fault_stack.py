"""Fault-test helpers: the API as a real process (to SIGKILL), a steady delivery stream, and
the figures each fault test reports (sent, 2xx, 4xx, 5xx, no answer, rows, duplicates)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func
from sqlmodel import select

from db.engine import SessionFactory
from db.models import WebhookEvent
from delivery.row import dedupe_key
from devstack.postgres import free_port
from devstack.processes import api_command
from settings import Settings
from tests.support.files import ROOT, load_fixture
from tests.support.webhooks import API_TOKEN, SECRET, signed_headers

HOOK_ID = "1001"


def push_body(index: int) -> bytes:
    """A push to a watched branch: one NotificationWorkflow start per delivery."""
    payload: dict[str, Any] = load_fixture("events/push.main.json")
    payload["after"] = f"{index:040x}"
    return json.dumps(payload).encode()


class ApiProcess:
    """`uvicorn api.main:app` in its own process, configured only through the environment."""

    def __init__(self, settings: Settings, log_file: Path) -> None:
        self.port = free_port()
        self.log_file = log_file
        self.env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "TEMPORAL_ADDRESS": settings.temporal_address,
            "TEMPORAL_NAMESPACE": settings.temporal_namespace,
            "TEMPORAL_TASK_QUEUE": settings.temporal_task_queue,
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "API_TOKEN": API_TOKEN,
            "LOG_DIR": str(settings.log_dir),
            "DISPATCH_INTERVAL_SECONDS": "0.5",
            "GITHUB_API_URL": settings.github_api_url,
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, within: float = 60, **env: str) -> None:
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                api_command(self.port),
                cwd=ROOT,
                env={**self.env, **env},
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"API exited: {self.log_file.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("API did not come up")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Stream:
    """Deliveries sent so far and what each got back (None: no answer, e.g. process killed)."""

    answers: dict[str, int | None] = field(default_factory=dict)
    sent: int = 0

    async def send(self, client: httpx.AsyncClient, path: str = "/api/webhooks/github") -> None:
        index = self.sent
        self.sent += 1
        delivery = str(uuid.uuid4())
        body = push_body(index)
        try:
            response = await client.post(
                path, content=body, headers=signed_headers(body, "push", delivery=delivery)
            )
            self.answers[delivery] = response.status_code
        except httpx.HTTPError:
            self.answers[delivery] = None

    async def run(self, client: httpx.AsyncClient, *, rate: float, seconds: float) -> None:
        """Send about `rate` per second for `seconds`, without waiting for slow answers (and
        catching up in bursts when the loop falls behind)."""
        tasks: list[asyncio.Task[None]] = []
        loop = asyncio.get_running_loop()
        began = loop.time()
        while (elapsed := loop.time() - began) < seconds:
            due = int(elapsed * rate) + 1 - len(tasks)
            tasks.extend(asyncio.create_task(self.send(client)) for _ in range(due))
            await asyncio.sleep(1 / rate)  # the stream's pace, not a wait for an event
        await asyncio.gather(*tasks)

    def accepted(self) -> set[str]:
        return {d for d, s in self.answers.items() if s is not None and 200 <= s < 300}

    def figures(self) -> dict[str, int]:
        statuses = list(self.answers.values())
        return {
            "sent": len(statuses),
            "2xx": sum(1 for s in statuses if s is not None and 200 <= s < 300),
            "4xx": sum(1 for s in statuses if s is not None and 400 <= s < 500),
            "5xx": sum(1 for s in statuses if s is not None and s >= 500),
            "no answer": sum(1 for s in statuses if s is None),
        }


async def stored(sessions: SessionFactory) -> tuple[Counter[str], dict[str, int]]:
    """(rows per dedupe key, rows per dispatch status)."""
    async with sessions() as session:
        keys = Counter((await session.exec(select(WebhookEvent.dedupe_key))).all())
        query = select(WebhookEvent.dispatch_status, func.count()).group_by(
            WebhookEvent.dispatch_status
        )
        statuses = {k: int(v) for k, v in (await session.exec(query)).all()}
    return Counter({k: n for k, n in keys.items() if k}), statuses


def check_recorded(stream: Stream, keys: Counter[str]) -> dict[str, int]:
    """Every 2xx has its row; no key has two rows. Returns the figures to report."""
    missing = [d for d in stream.accepted() if dedupe_key(HOOK_ID, d) not in keys]
    assert not missing, f"{len(missing)} deliveries answered 2xx without a row"
    duplicates = sum(n - 1 for n in keys.values() if n > 1)
    assert duplicates == 0
    rows = sum(1 for d in stream.answers if dedupe_key(HOOK_ID, d) in keys)
    return {**stream.figures(), "rows": rows, "duplicates": duplicates}
