"""hookflow as an operator runs it from outside: the migration, the environment its processes
read, and a delivery followed over HTTP until the API is up and the run has ended."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from settings import Settings
from tests.support.files import ROOT, load_fixture
from tests.support.waiting import eventually
from tests.support.webhooks import API_TOKEN, SECRET, auth, deliver

BIN = Path(sys.executable).parent


def alembic_upgrade(env: dict[str, str]) -> None:
    """`alembic upgrade head` in the checkout, configured only by `env`."""
    subprocess.run(
        [str(BIN / "alembic"), "upgrade", "head"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def service_env(settings: Settings, database_url: str, tmp_path: Path) -> dict[str, str]:
    """What the worker and the API need from an operator: the database, the session's Temporal,
    the secrets the tests sign and authorise with, and directories of the test's own."""
    return {
        "DATABASE_URL": database_url,
        "TEMPORAL_ADDRESS": settings.temporal_address,
        "TEMPORAL_NAMESPACE": settings.temporal_namespace,
        "TEMPORAL_TASK_QUEUE": settings.temporal_task_queue,
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "API_TOKEN": API_TOKEN,
        "WEBHOOK_HOST": "127.0.0.1",
        "LOG_DIR": str(tmp_path / "logs"),
        "RUN_WORKSPACE_DIR": str(tmp_path / "workspaces"),
    }


async def wait_ready(client: httpx.AsyncClient, *, within: float, what: str) -> None:
    """Until the API's /readyz answers 200 (connection refused while it starts)."""

    async def ready() -> bool:
        try:
            return (await client.get("/readyz")).status_code == 200
        except httpx.TransportError:
            return False

    await eventually(ready, within=within, what=what)


async def deliver_ai_run(client: httpx.AsyncClient, delivery: str) -> dict[str, Any]:
    """The signed `ai-run` label delivery; the API's answer."""
    answer: dict[str, Any] = (
        await deliver(
            client, "issues", load_fixture("events/issues_labeled_ai_run.json"), delivery=delivery
        )
    ).json()
    return answer


async def ended_run(client: httpx.AsyncClient, run_id: str, *, within: float) -> dict[str, Any]:
    """The run as GET /api/runs/{id} shows it once it has FAILED or SUCCEEDED."""

    async def ended() -> dict[str, Any] | None:
        run: dict[str, Any] = (await client.get(f"/api/runs/{run_id}", headers=auth())).json()
        return run if run["status"] in ("FAILED", "SUCCEEDED") else None

    run: dict[str, Any] = await eventually(
        ended, within=within, what="the worker to run the workflow"
    )
    return run
