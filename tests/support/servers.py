"""Plugin: the real services of a test run. One PostgreSQL (a fresh database per test, cloned
from a migrated template) and one Temporal dev server (a task queue per test); under
pytest-xdist the controller starts both once and hands their addresses to its workers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from devstack.time_skipping import ensure_test_server
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
from workflows.search_attributes import ensure_search_attributes


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
def task_queue() -> str:
    return f"tq-{uuid.uuid4()}"
