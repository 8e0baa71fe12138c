"""Logs: one configure_logging() for every entry point, the delivery id on every line of a
delivery, JSON or text, and no secret ever written."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from delivery.signature import sign
from devstack.postgres import free_port
from ops.log_context import log_context
from ops.logs import MASK, HookflowHandler, configure_logging
from settings import Settings, load_settings
from tests.support.files import ROOT, load_fixture
from tests.support.waiting import eventually
from tests.support.webhooks import API_TOKEN, SECRET, deliver, signed_headers

GITHUB_TOKEN = "ghp-test-token-never-logged-42"
METRICS_TOKEN = "metrics-token-never-logged-42"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "log_level": "DEBUG",
        "log_format": "json",
        "github_token": GITHUB_TOKEN,
        "metrics_token": METRICS_TOKEN,
    }


@pytest.fixture
def log_stream(api: httpx.AsyncClient, settings: Settings) -> Iterator[io.StringIO]:
    """What hookflow's handler writes, redirected from stderr to a buffer for this test."""
    installed = [h for h in logging.getLogger().handlers if isinstance(h, HookflowHandler)]
    assert len(installed) == 1  # the app's lifespan configured logging, once
    stream = io.StringIO()
    configure_logging(settings, stream=stream)
    yield stream
    configure_logging(load_settings(log_level="WARNING"))


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


async def test_every_line_of_a_delivery_carries_its_id_and_no_secret(
    api: httpx.AsyncClient, log_stream: io.StringIO
) -> None:
    push = load_fixture("events/push.main.json")
    accepted, ignored, forged, unsigned = (str(uuid.uuid4()) for _ in range(4))
    assert (await deliver(api, "push", push, delivery=accepted)).status_code == 200
    assert (await deliver(api, "ping", {"zen": "z"}, delivery=ignored)).status_code == 200
    response = await deliver(api, "push", push, delivery=forged, secret="attacker-secret-1")
    assert response.status_code == 401
    body = json.dumps(push).encode()
    headers = signed_headers(body, "push", delivery=unsigned)
    del headers["X-Hub-Signature-256"]
    assert (
        await api.post("/api/webhooks/github", content=body, headers=headers)
    ).status_code == 401
    assert (
        await api.get("/api/runs", headers={"Authorization": f"Bearer {API_TOKEN}"})
    ).status_code == 200
    assert (
        await api.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    ).status_code == 200
    # The accepted push is dispatched after the reply; its lines must carry the id too.
    await eventually(
        lambda: any(
            "started" in r["message"] and r.get("delivery_id") == accepted
            for r in lines(log_stream)
        ),
        what="dispatch log line",
    )

    records = lines(log_stream)
    for delivery in (accepted, ignored, forged, unsigned):
        about = [r for r in records if delivery in r["message"]]
        assert about, f"no line mentions {delivery}"
        assert all(r.get("delivery_id") == delivery for r in about), about
    assert all({"asctime", "level", "logger", "message"} <= r.keys() for r in records)

    text = log_stream.getvalue()
    expected_signature = sign(body, SECRET.encode())
    for secret in (
        SECRET,
        API_TOKEN,
        GITHUB_TOKEN,
        METRICS_TOKEN,
        expected_signature,
        expected_signature.removeprefix("sha256="),
    ):
        assert secret not in text


def test_known_secrets_are_masked_in_text_lines(settings: Settings) -> None:
    stream = io.StringIO()
    configure_logging(settings.model_copy(update={"log_format": "text"}), stream=stream)
    try:
        with log_context(delivery_id="d-123", workflow_id="wf-9"):
            logging.getLogger("hookflow.test").warning("oops, token=%s", GITHUB_TOKEN)
    finally:
        configure_logging(load_settings(log_level="WARNING"))
    line = stream.getvalue()
    assert GITHUB_TOKEN not in line and MASK in line
    assert "[delivery_id=d-123 workflow_id=wf-9]" in line and "hookflow.test" in line


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", "{port}"],
        ["-m", "cli.main", "serve", "--host", "127.0.0.1", "--port", "{port}"],
    ],
    ids=["uvicorn", "hookflow-serve"],
)
def test_api_entry_points_write_json_logs_at_log_level(
    command: list[str], tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "API_", "LOG_"))}
    env.update(
        {
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "API_TOKEN": API_TOKEN,
            "DATABASE_URL": database_url,
            "TEMPORAL_ADDRESS": "127.0.0.1:9",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "HOOKFLOW_ENV_FILE": "/dev/null",
        }
    )
    args = [sys.executable, *(part.format(port=port) for part in command)]
    process = subprocess.Popen(args, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        seen: list[str] = []
        for line in process.stderr:
            seen.append(line)
            if "Application startup complete" in line:
                break
        ready = [json.loads(s) for s in seen if "hookflow API ready" in s]
        assert ready and ready[0]["level"] == "INFO" and ready[0]["logger"] == "hookflow.api"
        # uvicorn's own lines after start-up go through the same JSON handler.
        assert json.loads(seen[-1])["logger"] == "uvicorn.error", seen
    finally:
        process.terminate()
        process.wait(timeout=15)
