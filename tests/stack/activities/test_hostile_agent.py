"""A hostile agent against the real stack (a separate worker process, real Temporal and
PostgreSQL, bubblewrap): it finds none of hookflow's secrets, cannot make hookflow's git run its
code or push elsewhere, and the run still lands its branch on the canonical remote."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from db.engine import SessionFactory
from settings import Settings
from tests.support.ai_run import (
    AGENT_PYTHON,
    GH_TOKEN,
    artifacts,
    git,
    label_issue,
    remote_head,
    run_settings,
    send_ci,
    wait_run,
)
from tests.support.fakes import FakeGitHub
from tests.support.fakes.agent import FakeAgentServer
from tests.support.files import ROOT
from tests.support.webhooks import API_TOKEN, SECRET
from tests.support.worker_process import worker_process

AGENTS = ROOT / "tests" / "support" / "agents"
REPO_SECRET = "repo-secret-canary-4242"
HOME_SECRET = "home-canary-9999"
ENV_SECRET = "worker-env-canary-5555"


@pytest.fixture
def worker_home(tmp_path: Path) -> Path:
    home = tmp_path / "worker-home"
    (home / ".hookflow").mkdir(parents=True)
    (home / ".hookflow" / "credentials").write_text(HOME_SECRET)
    return home


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secrets" / "webhook_secret"
    path.parent.mkdir()
    path.write_text(SECRET)
    return path


@pytest.fixture
def settings_overrides(
    fake_github: FakeGitHub,
    tmp_path: Path,
    agent_server: FakeAgentServer,
    worker_home: Path,
    secret_file: Path,
) -> dict[str, Any]:
    targets = [
        secret_file,
        worker_home,
        worker_home / ".hookflow",
        ROOT / "tests" / "conftest.py",
        Path("/proc/1/environ"),
    ]
    command = " ".join(
        [
            AGENT_PYTHON,
            str(AGENTS / "hostile_agent.py"),
            *map(str, targets),
            f"{agent_server.url}/evil.git",
        ]
    )
    return run_settings(
        fake_github,
        tmp_path,
        run_agent_command=command,
        run_agent_bind=str(AGENTS),
        run_workspace_dir=worker_home / ".hookflow" / "workspaces",
        github_webhook_secret_file=secret_file,
        github_webhook_repo_secrets=f"octo-org/other={REPO_SECRET}",
    )


def leaks(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in text]


async def test_hostile_agent_reaches_no_secret_and_branch_lands_on_canonical_remote(
    api: httpx.AsyncClient,
    sessions: SessionFactory,
    settings: Settings,
    tmp_path: Path,
    fake_github: FakeGitHub,
    agent_server: FakeAgentServer,
    worker_home: Path,
    bare: Path,
) -> None:
    secrets = [
        GH_TOKEN,
        SECRET,
        API_TOKEN,
        REPO_SECRET,
        HOME_SECRET,
        ENV_SECRET,
        settings.database_url,
    ]
    log = tmp_path / "worker.log"
    with worker_process(
        settings, log, home=worker_home, extra_env={"AWS_SECRET_ACCESS_KEY": ENV_SECRET}
    ):
        # The payload names another host as clone_url: it is never contacted.
        evil_url = f"{agent_server.url}/octo-org/octo-repo.git"
        number, run_id = await label_issue(api, fake_github, bare, clone_url=evil_url)
        await send_ci(api, sessions, bare, run_id, "success")
        run = await wait_run(sessions, run_id, status={"SUCCEEDED", "FAILED"})
    assert run.status == "SUCCEEDED", run.error

    found = await artifacts(sessions, run_id)
    qualify = found["qualify"].content
    assert '"procs": ' in qualify and "pre-push hook: failed" in qualify  # it really tried
    for name, artifact in found.items():
        assert leaks(artifact.content, secrets) == [], name
    assert leaks(log.read_text(errors="replace"), secrets) == []
    # What reached GitHub: the token only as the Authorization header, only on the fake's host.
    host = httpx.URL(fake_github.url).netloc.decode()
    for request in fake_github.requests:
        assert request.headers["host"] == host
        seen = f"{request.path} {request.query} {request.json} " + " ".join(
            v for k, v in request.headers.items() if k != "authorization"
        )
        assert leaks(seen, secrets) == [], request.path
    assert agent_server.headers == []  # neither the payload's clone_url nor the agent's origin
    # The branch is on the canonical remote, with the agent's work and none of its traps.
    assert run.branch is not None and remote_head(bare, run.branch) is not None
    files = git("ls-tree", "--name-only", run.branch, cwd=bare).split()
    assert "LOOT.txt" in files and "HOOK_RAN.txt" not in files
    assert "FSMONITOR_RAN.txt" not in files
    pushed = git("show", f"{run.branch}:LOOT.txt", cwd=bare)
    assert leaks(pushed, secrets) == []
