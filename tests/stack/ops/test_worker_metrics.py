"""The worker's Prometheus endpoint: Temporal's SDK metrics plus hookflow's notification and
GitHub counters, scraped while a merged-PR delivery runs against the fake GitHub."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from db.engine import SessionFactory
from devstack.postgres import free_port
from ops.temporal_connect import connect_temporal
from ops.worker_metrics import metrics_runtime
from settings import ConfigError, Settings
from tests.support.fakes import FakeGitHub
from tests.support.files import load_fixture
from tests.support.prometheus import samples, value
from tests.support.waiting import eventually
from tests.support.webhooks import deliver
from worker import build_worker


@pytest.fixture
def settings_overrides(github_settings: dict[str, Any]) -> dict[str, Any]:
    return {
        **github_settings,
        "worker_metrics_port": free_port(),
        "worker_metrics_host": "127.0.0.1",
    }


async def test_worker_metrics_serve_sdk_and_hookflow_counters(
    api: httpx.AsyncClient,
    settings: Settings,
    sessions: SessionFactory,
    github: FakeGitHub,
    repo: str,
) -> None:
    github.add_issue(repo, title="Retries are missing")
    # The first read of the issue hits an exhausted rate limit; the retry goes through.
    github.fail_next(
        "GET", rf"/repos/{repo}/issues/1$", 403, headers=github.rate_limit_headers(reset_in=1)
    )
    payload = load_fixture("events/pull_request.merged.json")
    payload["repository"]["full_name"] = repo
    payload["pull_request"]["body"] = "Fixes #1"
    client: Client = await connect_temporal(settings, runtime=metrics_runtime(settings))
    url = f"http://127.0.0.1:{settings.worker_metrics_port}/metrics"
    async with build_worker(client, settings, sessions), httpx.AsyncClient() as http:
        response = await deliver(api, "pull_request", payload)
        assert response.status_code == 200, response.text

        async def scraped() -> str | None:
            text = (await http.get(url)).text
            # The issue is closed after its rate-limited read is retried, which may come after
            # the notification: wait for both.
            done = (
                value(text, "hookflow_notifications_total", result="sent") >= 1
                and value(text, "hookflow_notification_outcomes_total", status="sent") >= 1
                and value(text, "hookflow_github_requests_total", status="200") >= 1
                and github.issue(repo, 1)["state"] == "closed"
            )
            return text if done else None

        text = await eventually(scraped, within=60, what="worker metrics and the issue closed")
    assert value(text, "hookflow_notifications_total", sink="logfile", result="sent") >= 1
    # What became of it, by receiver (the environment's one receiver is `default`).
    outcome = "hookflow_notification_outcomes_total"
    assert value(text, outcome, receiver="default", status="sent") >= 1
    assert value(text, "hookflow_github_requests_total", status="403") == 1
    names = {name for name, _ in samples(text)}
    assert "hookflow_github_rate_limit_remaining" in names
    assert any(name.startswith("temporal_") for name in names), sorted(names)


def test_worker_metrics_port_taken_is_a_clear_error(settings: Settings) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        conf = settings.model_copy(update={"worker_metrics_port": port})
        with pytest.raises(ConfigError, match=f"WORKER_METRICS_PORT={port}"):
            metrics_runtime(conf)


def test_worker_metrics_port_zero_turns_them_off(settings: Settings) -> None:
    assert metrics_runtime(settings.model_copy(update={"worker_metrics_port": 0})) is None
