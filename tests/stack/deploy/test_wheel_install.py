"""The wheel alone is enough: built from a copy of the source, installed into a fresh virtualenv
outside the repository, its `hookflow migrate`, `check`, `worker` and `serve` run against the
test session's PostgreSQL and Temporal, and a signed delivery starts a workflow the worker runs."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from db.migrate import head_revision
from devstack.postgres import free_port
from ops.version import VERSION
from settings import Settings
from tests.support.files import ROOT
from tests.support.operator import deliver_ai_run, ended_run, service_env, wait_ready
from tests.support.services import PostgresAddress
from tests.support.webhooks import API_TOKEN, SECRET

pytestmark = pytest.mark.slow

UV = Path(sys.executable).parent / "uv"
# Never part of the wheel; copying them would only cost time.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", "tests", "bench", ".*_cache"
)


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The `bin` directory of a fresh virtualenv holding only the wheel and its dependencies
    (at the versions of constraints.txt)."""
    if not UV.exists():
        pytest.skip("uv is not installed in the project's .venv (scripts/setup.sh installs it)")
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    run(UV, "build", "--wheel", "--out-dir", work / "dist", source, cwd=work)
    (wheel,) = (work / "dist").glob("hookflow-*.whl")
    shutil.rmtree(source)  # nothing of the source tree is left to import from
    run(UV, "venv", "--quiet", work / "venv", "--python", sys.executable, cwd=work)
    python = work / "venv" / "bin" / "python"
    constraints = ROOT / "constraints.txt"
    run(UV, "pip", "install", "--quiet", "--python", python, "-c", constraints, wheel, cwd=work)
    yield work / "venv" / "bin"
    shutil.rmtree(work, ignore_errors=True)  # ~150 MB that pytest would keep for three runs


@pytest.fixture
def empty_database(postgres: PostgresAddress) -> Iterator[str]:
    with postgres.scratch_database() as url:
        yield url


@pytest.fixture
def environment(settings: Settings, empty_database: str, tmp_path: Path) -> dict[str, str]:
    """Only what an operator sets: no PYTHONPATH, nothing pointing into the repository."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(service_env(settings, empty_database, tmp_path))
    env.update(
        {
            "WEBHOOK_PORT": str(free_port()),
            "WORKER_METRICS_HOST": "127.0.0.1",
            "WORKER_METRICS_PORT": str(free_port()),
        }
    )
    return env


def test_installed_package_imports_from_its_own_site_packages(installed: Path) -> None:
    out = run(
        installed / "python",
        "-c",
        "import api, migrations, checks, worker; print(api.__file__, migrations.__file__)",
        cwd=installed,
    )
    assert str(ROOT) not in out and "site-packages" in out
    assert run(installed / "hookflow", "--version", cwd=installed).strip() == f"hookflow {VERSION}"


@pytest.fixture
def installed_stack(
    installed: Path, environment: dict[str, str], empty_database: str, tmp_path: Path
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`hookflow migrate` (checked), then `hookflow worker` and `hookflow serve` as processes."""
    hookflow = str(installed / "hookflow")
    out = run(hookflow, "migrate", cwd=tmp_path, env=environment)
    assert f"to {head_revision()}" in out
    with psycopg.connect(empty_database.replace("+psycopg", "")) as conn:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert row == (head_revision(),)
    processes = [
        subprocess.Popen([hookflow, command], cwd=tmp_path, env=environment)
        for command in ("worker", "serve")
    ]
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


async def test_wheel_migrates_checks_serves_and_runs_a_delivery(
    installed: Path,
    installed_stack: list[subprocess.Popen[bytes]],
    environment: dict[str, str],
    temporal_client: Client,
    tmp_path: Path,
) -> None:
    base = f"http://127.0.0.1:{environment['WEBHOOK_PORT']}"
    async with httpx.AsyncClient(base_url=base) as client:
        await wait_ready(client, within=60, what="the installed API to be ready")
        assert (await client.get("/healthz")).json() == {"status": "ok", "version": VERSION}
        accepted = await deliver_ai_run(client, "wheel-1")
        assert accepted["status"] == "accepted", accepted
        # No agent is configured: the installed worker runs the workflow, which fails fast.
        run_row = await ended_run(client, accepted["runId"], within=60)
        assert "RUN_AGENT" in str(run_row["error"])
        handle = temporal_client.get_workflow_handle(str(run_row["workflowId"]))
        described = await handle.describe()
        assert described.status is not WorkflowExecutionStatus.RUNNING
        assert described.task_queue == environment["TEMPORAL_TASK_QUEUE"]

    check = await asyncio.create_subprocess_exec(
        str(installed / "hookflow"),
        "check",
        "--json",
        cwd=tmp_path,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(check.communicate(), timeout=120)
    report = json.loads(out)
    assert check.returncode == 0, out.decode() + err.decode()
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    for name in ("database", "temporal namespace", "temporal search attributes"):
        assert statuses[name] == "ok", report
    assert statuses["temporal worker"] == "ok", report  # the installed worker polls
    assert SECRET.encode() not in out and API_TOKEN.encode() not in out

    # SIGTERM stops both cleanly (systemd and Kubernetes stop them this way): the worker shuts
    # down and exits 0; uvicorn shuts down, then re-raises the signal (systemd counts an exit
    # by SIGTERM as clean).
    for process in installed_stack:
        process.terminate()
    worker_code, serve_code = [await asyncio.to_thread(p.wait, 30) for p in installed_stack]
    assert (worker_code, serve_code in (0, -signal.SIGTERM)) == (0, True)
