"""Plugin: hookflow itself on the real services. The test's settings (only what it sets: never
the machine's environment or dotenv files), database sessions, a worker, the app over ASGI, and
all of them at once (`stack`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from temporalio.client import Client
from temporalio.worker import Worker

from api.main import create_app
from db.engine import SessionFactory, make_engine, make_session_factory
from ops.worker_set import WorkerSet
from settings import Settings
from tests.support.isolated_settings import clear_settings_env, isolated_settings
from tests.support.webhooks import API_TOKEN, SECRET
from worker import build_worker

# Prepared sets of settings: a test gets one by having its fixture in its closure, e.g. a module's
# `pytestmark = pytest.mark.usefixtures("run_stack_settings")` (tests/support/ai_run.py,
# tests/support/notifications.py).
PREPARED_SETTINGS = ("run_stack_settings", "notify_settings")


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    """What the test adds to the settings: the prepared set it uses, or nothing. A module
    overrides this fixture for settings of its own (agents, sinks, GitHub URL …)."""
    for name in PREPARED_SETTINGS:
        if name in request.fixturenames:
            prepared: dict[str, Any] = request.getfixturevalue(name)
            return prepared
    return {}


@pytest.fixture
def settings(
    database_url: str,
    temporal_address: str,
    temporal_namespace: str,
    task_queue: str,
    tmp_path: Path,
    settings_overrides: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    """What the test sets and the defaults: never the machine's environment or dotenv files (a
    developer's AIMAESTRO_URL would make end-to-end tests post to a real sink)."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "temporal_address": temporal_address,
        "temporal_namespace": temporal_namespace,
        "temporal_task_queue": task_queue,
        "github_webhook_secret": SECRET,
        "api_token": API_TOKEN,
        "log_dir": tmp_path / "webhook_logs",
        "dispatch_interval": timedelta(milliseconds=500),
        "github_api_url": "http://127.0.0.1:9/unconfigured",
        # Off unless a test asks: worker processes of parallel runs must not race for 9464.
        "worker_metrics_port": 0,
    }
    values.update(settings_overrides)
    return isolated_settings(monkeypatch, **values)


@pytest.fixture(autouse=True)
def _no_machine_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test (nor a process it starts) sees a hookflow variable of the machine's environment,
    also where it calls load_settings() itself."""
    clear_settings_env(monkeypatch)


@pytest_asyncio.fixture
async def sessions(settings: Settings) -> AsyncIterator[SessionFactory]:
    engine = make_engine(settings.database_url)
    yield make_session_factory(engine)
    await engine.dispose()


@pytest_asyncio.fixture
async def worker(
    temporal_client: Client, settings: Settings, sessions: SessionFactory
) -> AsyncIterator[WorkerSet]:
    async with build_worker(temporal_client, settings, sessions) as running:
        yield running


class Stack(NamedTuple):
    """hookflow on the real services with a worker running: the app over ASGI, its database,
    the Temporal client and the settings. A test unpacks what it uses."""

    api: httpx.AsyncClient
    sessions: SessionFactory
    client: Client
    settings: Settings


@pytest.fixture
def stack(
    api: httpx.AsyncClient,
    worker: Worker,
    sessions: SessionFactory,
    temporal_client: Client,
    settings: Settings,
) -> Stack:
    return Stack(api, sessions, temporal_client, settings)


async def serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """`app` with its lifespan (and so its dispatcher loop) running, as an HTTP client."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hookflow") as client:
            yield client


@pytest_asyncio.fixture
async def api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The real app (lifespan, dispatcher loop) over ASGI."""
    async for client in serve(create_app(settings)):
        yield client
