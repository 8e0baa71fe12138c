"""Run-wide real services (one PostgreSQL, one Temporal dev server, shared by xdist workers) and
per-test isolation (a fresh database cloned from a migrated template, a fresh task queue)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator, Generator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.main import create_app
from db.engine import SessionFactory, make_engine, make_session_factory
from delivery.signature import sign
from devstack.time_skipping import ensure_test_server
from settings import Settings
from tests.support.fakes.sinks import FakeAIMaestro, FakeChatWebhook
from tests.support.isolated_settings import clear_settings_env, isolated_settings
from tests.support.required_tools import fail_skip
from tests.support.services import (
    ROOT as ROOT,  # re-exported: tests import these from here
)
from tests.support.services import (
    TEMPLATE_DB,
    WORKER_INPUT_KEY,
    Addresses,
    PostgresAddress,
    SharedServices,
    start_postgres_with_template,
    start_temporal,
    worker_namespace,
)
from worker import build_worker
from workflows.search_attributes import ensure_search_attributes

pytest_plugins = ["tests.support.record_histories", "tests.support.github_app"]

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SECRET = "test-webhook-secret-0123456789"
API_TOKEN = "test-api-token-abcdef"


def load_fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def _xdist_controller(config: pytest.Config) -> bool:
    """This process hands tests to pytest-xdist workers (and runs none itself)."""
    if hasattr(config, "workerinput"):
        return False
    return bool(getattr(config.option, "numprocesses", 0)) and config.option.dist != "no"


_SHARED = pytest.StashKey[SharedServices]()


def pytest_configure(config: pytest.Config) -> None:
    # One PostgreSQL and one Temporal dev server for all the workers of a parallel run.
    if _xdist_controller(config):
        workers = [f"gw{i}" for i in range(config.option.numprocesses)]
        config.stash[_SHARED] = SharedServices(workers)


def pytest_unconfigure(config: pytest.Config) -> None:
    shared = config.stash.get(_SHARED, None)
    if shared is not None:
        shared.stop()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist, in the controller: tell each worker where the shared services listen."""
    shared = node.config.stash.get(_SHARED, None)
    if shared is not None:
        node.workerinput[WORKER_INPUT_KEY] = shared.addresses.dumps()


# Rough seconds a test takes by what it sets up: a Temporal worker runs a workflow end to end,
# the API serves requests with its dispatcher, a bare test calls functions. A `slow` test (a
# fault injection, a browser) takes a minute or more.
_SECONDS_BY_FIXTURE = (("worker", 4.0), ("api", 1.5), ("temporal_env", 2.0), ("database_url", 0.5))


def _estimated_seconds(item: pytest.Item) -> float:
    if item.get_closest_marker("slow"):
        return 90.0
    names = set(getattr(item, "fixturenames", ()))
    return next((s for fixture, s in _SECONDS_BY_FIXTURE if fixture in names), 0.05)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules longest first by estimate: pytest-xdist hands out whole modules in this order
    (`--no-loadscope-reorder`), so the minute-long fault tests run beside the rest instead of
    after it, and the processes finish close together."""
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)

    def weight(tests: list[pytest.Item]) -> float:
        return -sum(_estimated_seconds(t) for t in tests)

    items[:] = [item for tests in sorted(modules.values(), key=weight) for item in tests]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    fail_skip(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    fail_skip(report)  # a module-level importorskip
    return report


def _shared(config: pytest.Config) -> Addresses | None:
    text = getattr(config, "workerinput", {}).get(WORKER_INPUT_KEY)
    return Addresses.loads(text) if text else None


@pytest.fixture(scope="session")
def postgres(request: pytest.FixtureRequest) -> Iterator[PostgresAddress]:
    """The cluster (with TEMPLATE_DB migrated): the run's shared one, or one for this session."""
    shared = _shared(request.config)
    if shared is not None:
        yield PostgresAddress(shared.postgres_port)
        return
    server = start_postgres_with_template()
    yield PostgresAddress(server.port)
    server.stop()


@pytest.fixture(scope="session")
def template_db(postgres: PostgresAddress) -> str:
    return TEMPLATE_DB


@pytest.fixture
def database_url(postgres: PostgresAddress, template_db: str) -> Iterator[str]:
    """A fresh, migrated database per test (a copy of the template: milliseconds)."""
    with postgres.scratch_database(template_db) as url:
        yield url


@pytest_asyncio.fixture(scope="session")
async def temporal_env(request: pytest.FixtureRequest) -> AsyncIterator[WorkflowEnvironment]:
    """The Temporal dev server: the run's shared one, or one for this session."""
    shared = _shared(request.config)
    if shared is not None:
        namespace = worker_namespace(request.config.workerinput["workerid"])  # type: ignore[attr-defined]
        client = await Client.connect(shared.temporal, namespace=namespace)
        yield WorkflowEnvironment.from_client(client)
        return
    env = await start_temporal()
    yield env
    await env.shutdown()


@pytest_asyncio.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """Temporal's time-skipping test server: hour-long timers fire on `env.sleep(…)`.

    A test module opts in by overriding `temporal_env` with this fixture. One server per test
    (it starts in under a second): its clock stands still while any task waits for a worker, so
    a task a finished test left behind would stop the next test's clock on a shared server."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=ensure_test_server(),
        test_server_startup_timeout=timedelta(seconds=120),  # a JVM on a busy 2-core machine
    )
    await ensure_search_attributes(env.client, "default")
    yield env
    await env.shutdown()


@pytest.fixture
def temporal_client(temporal_env: WorkflowEnvironment) -> Client:
    return temporal_env.client


@pytest.fixture
def temporal_address(temporal_env: WorkflowEnvironment) -> str:
    return str(temporal_env.client.service_client.config.target_host)


@pytest.fixture
def temporal_namespace(temporal_env: WorkflowEnvironment) -> str:
    return temporal_env.client.namespace


@pytest.fixture
def maestro() -> Iterator[FakeAIMaestro]:
    server = FakeAIMaestro().start()
    yield server
    server.stop()


@pytest.fixture
def chat() -> Iterator[FakeChatWebhook]:
    server = FakeChatWebhook().start()
    yield server
    server.stop()


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4()}"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Tests override this to add settings (agents, sinks, GitHub URL …)."""
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
) -> AsyncIterator[Worker]:
    async with build_worker(temporal_client, settings, sessions) as running:
        yield running


async def _serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hookflow") as client:
            yield client


@pytest_asyncio.fixture
async def api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The real app (lifespan, dispatcher loop) over ASGI."""
    app = create_app(settings)
    async for client in _serve(app):
        yield client


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_TOKEN}"}


def signed_headers(
    body: bytes,
    event: str,
    *,
    secret: str = SECRET,
    delivery: str | None = None,
    hook_id: str = "1001",
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": hook_id,
        "X-Hub-Signature-256": sign(body, secret.encode()),
    }


async def deliver(
    client: httpx.AsyncClient,
    event: str,
    payload: dict[str, Any],
    *,
    delivery: str | None = None,
    path: str = "/api/webhooks/github",
    secret: str = SECRET,
) -> httpx.Response:
    body = json.dumps(payload).encode()
    headers = signed_headers(body, event, secret=secret, delivery=delivery)
    return await client.post(path, content=body, headers=headers)


def pytest_report_header(config: pytest.Config) -> str:
    return f"hookflow tests: real PostgreSQL + Temporal dev server (cwd {os.getcwd()})"
