"""The stable entry points, as an operator runs them: `alembic upgrade head`, `python worker.py`,
`uvicorn api.main:app` / `hookflow serve`, all configured only by the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client, ScheduleActionStartWorkflow

from devstack.postgres import free_port
from settings import Settings
from tests.support.files import ROOT
from tests.support.operator import (
    BIN,
    alembic_upgrade,
    deliver_ai_run,
    ended_run,
    service_env,
    wait_ready,
)
from tests.support.services import PostgresAddress


@pytest.fixture
def fresh_db(postgres: PostgresAddress) -> Iterator[str]:
    """An empty database: the operator's `hookflow migrate` creates the tables."""
    with postgres.scratch_database() as url:
        yield url


def operator_env(
    settings: Settings, database_url: str, port: int, tmp_path: Path
) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "RUN_", "API_", "TEMPORAL_"))
    }
    env.update(service_env(settings, database_url, tmp_path))
    env["WEBHOOK_PORT"] = str(port)
    return env


RETENTION_EVERY = "13h"


@pytest.fixture
def worker_metrics_port() -> int:
    return free_port()


@pytest.fixture
def operator_stack(
    fresh_db: str,
    settings: Settings,
    tmp_path: Path,
    worker_metrics_port: int,
) -> Iterator[str]:
    """Migrate, then start the worker and the API as separate processes; yields the API URL."""
    port = free_port()
    env = operator_env(settings, fresh_db, port, tmp_path)
    env.update(
        {
            "WORKER_METRICS_PORT": str(worker_metrics_port),
            "WORKER_METRICS_HOST": "127.0.0.1",
            # Not the default: the schedule this worker writes is told from one left by
            # another worker.py in the same namespace (they share the schedule id).
            "RETENTION_SCHEDULE": RETENTION_EVERY,
        }
    )
    alembic_upgrade(env)
    processes = [
        subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env),
        subprocess.Popen([str(BIN / "hookflow"), "serve"], cwd=ROOT, env=env),
    ]
    yield f"http://127.0.0.1:{port}"
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=15)


async def test_entry_points_run_from_environment_only(
    operator_stack: str, worker_metrics_port: int, temporal_client: Client, settings: Settings
) -> None:
    async with httpx.AsyncClient(base_url=operator_stack) as client:
        await wait_ready(client, within=30, what="the API to be ready")
        accepted = await deliver_ai_run(client, "ep-1")
        assert accepted["status"] == "accepted"
        # No agent is configured here: the worker runs the workflow, which fails fast.
        run = await ended_run(client, accepted["runId"], within=30)
        assert "RUN_AGENT" in str(run["error"])
        # Both metrics endpoints answer; the worker created the retention schedule at start.
        api_metrics = (await client.get("/metrics")).text
        assert 'hookflow_deliveries_total{event="issues",outcome="accepted"} 1.0' in api_metrics
        worker_metrics = (await client.get(f"http://127.0.0.1:{worker_metrics_port}/metrics")).text
        assert (
            "temporal_workflow_completed" in worker_metrics
            or "temporal_workflow_failed" in worker_metrics
        ), worker_metrics[:2000]
        # Any worker.py of the session writes `hookflow-retention` into the shared namespace:
        # only this test's task queue and RETENTION_SCHEDULE show that this worker wrote it.
        description = await temporal_client.get_schedule_handle("hookflow-retention").describe()
        action = description.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow), action
        assert action.task_queue == settings.temporal_task_queue
        assert [i.every for i in description.schedule.spec.intervals] == [timedelta(hours=13)]


def test_api_entry_point_refuses_to_start_without_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "API_"))}
    env.update({"WEBHOOK_PORT": str(free_port()), "WEBHOOK_HOST": "127.0.0.1"})
    result = subprocess.run(
        [str(BIN / "hookflow"), "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "GITHUB_WEBHOOK_SECRET" in result.stderr
