"""Plugin and helpers for the AI run tests: a local bare git remote, payloads, driving a run
through webhooks and waiting on its state. Its fixtures (`fake_github`, `bare`, `extra_settings`,
`run_stack_settings`, `run_stack`) make the run stack; a module runs on it by overriding
`settings_overrides` with `run_stack_settings`."""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from sqlmodel import select
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from db.engine import SessionFactory
from db.models import Run, RunArtifact
from tests.support.fakes import FakeGitHub
from tests.support.files import ROOT, load_fixture
from tests.support.waiting import eventually
from tests.support.webhooks import deliver

REPO = "octo-org/octo-repo"
GH_TOKEN = "gh-test-token-123"
UI_URL = "http://temporal-ui.test:8233"
# Agents run in bubblewrap, which shows them the system directories and RUN_AGENT_BIND only: the
# system interpreter, not the test's virtualenv (which may live under the worker's home).
AGENT_PYTHON = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
AGENT_DIR = ROOT / "examples" / "agent"
ECHO_AGENT = f"{AGENT_PYTHON} {AGENT_DIR / 'echo_agent.py'}"
# Where a run stops: what a test waits for to see how it ended.
ENDED = {"SUCCEEDED", "FAILED", "CANCELLED", "ESCALATED", "IGNORED"}
ECHO_KNOBS = "ECHO_AGENT_SLEEP,ECHO_AGENT_SLEEP_PHASE,ECHO_AGENT_FAIL_PHASE"


def git(*args: str, cwd: Path | None = None) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return result.stdout.strip()


def remotes_url(tmp_path: Path) -> str:
    """GITHUB_GIT_URL for the bare remotes made by make_bare_remote."""
    return f"file://{tmp_path / 'remotes'}"


def agent_settings(tmp_path: Path, **extra: Any) -> dict[str, Any]:
    """The echo agent in its sandbox, cloning from the local remotes of `tmp_path`."""
    return {
        "run_agent": "command",
        "run_agent_command": ECHO_AGENT,
        "run_agent_bind": str(AGENT_DIR),
        "run_agent_env": ECHO_KNOBS,
        "run_workspace_dir": tmp_path / "workspaces",
        "github_git_url": remotes_url(tmp_path),
        "run_phase_timeout": timedelta(seconds=30),  # also a model_copy update
        **extra,
    }


def make_bare_remote(tmp_path: Path, repo: str = REPO) -> Path:
    """A bare repository with one commit on `main` at the canonical path of `repo` under
    remotes_url(tmp_path), standing in for the GitHub remote."""
    bare = tmp_path / "remotes" / f"{repo}.git"
    bare.parent.mkdir(parents=True, exist_ok=True)
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    seed = tmp_path / "seed"
    git("init", "--quiet", "--initial-branch=main", str(seed))
    (seed / "README.md").write_text("# octo-repo\n")
    git("add", "README.md", cwd=seed)
    git(
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "--quiet",
        "-m",
        "init",
        cwd=seed,
    )
    git("push", "--quiet", str(bare), "main", cwd=seed)
    return bare


def remote_head(bare: Path, branch: str) -> str | None:
    out = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
        cwd=bare,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() or None


def run_settings(fake: FakeGitHub, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return agent_settings(
        tmp_path,
        **{
            "github_api_url": fake.url,
            "github_token": GH_TOKEN,
            "temporal_ui_url": UI_URL,
            **extra,
        },
    )


def labelled_payload(issue_number: int, clone_url: str) -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture("events/issues_labeled_ai_run.json"))
    payload["issue"]["number"] = issue_number
    payload["repository"]["clone_url"] = clone_url
    return payload


def ci_payload(
    branch: str, head_sha: str | None, conclusion: str, *, run_id: int | None = None
) -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture("events/workflow_run.ai_branch.json"))
    item = payload["workflow_run"]
    item.update(
        head_branch=branch,
        head_sha=head_sha,
        conclusion=conclusion,
        id=run_id or uuid.uuid4().int % 10**9,
    )
    return payload


async def get_run(sessions: SessionFactory, run_id: str) -> Run:
    async with sessions() as session:
        run = await session.get(Run, uuid.UUID(run_id))
        assert run is not None
        return run


async def wait_run(
    sessions: SessionFactory,
    run_id: str,
    *,
    status: set[str] | None = None,
    phase: str | None = None,
    within: float = 60,
) -> Run:
    last: list[Run] = []

    async def check() -> Run | None:
        run = await get_run(sessions, run_id)
        last[:] = [run]
        wanted = (status is None or run.status in status) and (phase is None or run.phase == phase)
        return run if wanted else None

    try:
        found: Run = await eventually(check, within)
    except AssertionError:
        [run] = last
        raise AssertionError(
            f"run {run_id}: still {run.status}/{run.phase} "
            f"(wanted {status}/{phase}); error={run.error}"
        ) from None
    return found


async def artifacts(sessions: SessionFactory, run_id: str) -> dict[str, RunArtifact]:
    async with sessions() as session:
        query = select(RunArtifact).where(RunArtifact.run_id == uuid.UUID(run_id))
        return {a.name: a for a in (await session.exec(query)).all()}


# People the run tests act as (payload senders, comment and review authors): they may start
# work (RUN_TRIGGER_PERMISSION, default write).
WRITERS = ("octocat", "mona", "reviewer")


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    """GitHub serving REPO to the token of run_settings; WRITERS have write access."""
    with FakeGitHub(token=GH_TOKEN) as fake:
        fake.add_repo(REPO)
        for login in WRITERS:
            fake.set_permission(REPO, login, "write")
        yield fake


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    return make_bare_remote(tmp_path)


@pytest.fixture
def extra_settings() -> dict[str, Any]:
    """Settings a test adds to run_settings (parametrize it)."""
    return {}


class RunStack(NamedTuple):
    """What a run test drives: the app (with a worker running), its database, the fake GitHub,
    the bare remote and the Temporal client (unpack what a test uses), and the steps of a run."""

    api: httpx.AsyncClient
    sessions: SessionFactory
    github: FakeGitHub
    bare: Path
    client: Client

    async def label(self, **kwargs: Any) -> tuple[int, str]:
        """Open an `ai:run` issue and deliver its labelled event: (issue number, run id)."""
        return await label_issue(self.api, self.github, self.bare, **kwargs)

    async def wait(self, run_id: str, **kwargs: Any) -> Run:
        """The run once it has the status/phase asked for (wait_run)."""
        return await wait_run(self.sessions, run_id, **kwargs)

    async def send_ci(self, run_id: str, conclusion: str, **kwargs: Any) -> None:
        """Deliver CI's `conclusion` for the run's branch head once it waits for CI (send_ci)."""
        await send_ci(self.api, self.sessions, self.bare, run_id, conclusion, **kwargs)

    async def succeed(self, run_id: str) -> Run:
        """Deliver green CI for the run (send_ci), wait until it ends and check that it
        SUCCEEDED (its error otherwise)."""
        await self.send_ci(run_id, "success")
        run = await self.wait(run_id, status=ENDED)
        assert run.status == "SUCCEEDED", run.error
        return run


@pytest.fixture
def run_stack(
    api: httpx.AsyncClient,
    worker: Worker,
    sessions: SessionFactory,
    fake_github: FakeGitHub,
    bare: Path,
    temporal_client: Client,
) -> RunStack:
    return RunStack(api, sessions, fake_github, bare, temporal_client)


@pytest.fixture
def run_stack_settings(
    fake_github: FakeGitHub, tmp_path: Path, extra_settings: dict[str, Any]
) -> dict[str, Any]:
    """The settings of the run stack: the echo agent, fake_github, the bare remotes."""
    return run_settings(fake_github, tmp_path, **extra_settings)


async def label_issue(
    api: httpx.AsyncClient, fake: FakeGitHub, bare: Path, *, clone_url: str | None = None
) -> tuple[int, str]:
    """Open an `ai:run` issue on GitHub and deliver its labelled event: (issue number, run id).
    The payload's clone_url is `bare` unless given."""
    issue = fake.add_issue(REPO, title="Add a retry to the importer", labels=("ai:run",))
    payload = labelled_payload(issue["number"], clone_url or str(bare))
    response = await deliver(api, "issues", payload)
    assert response.status_code == 200, response.text
    return issue["number"], response.json()["runId"]


async def send_ci(
    api: httpx.AsyncClient,
    sessions: SessionFactory,
    bare: Path,
    run_id: str,
    conclusion: str,
    *,
    ci_run_id: int | None = None,
) -> None:
    """Once the run waits for CI, deliver its branch head's `conclusion` and wait until the run
    has taken it."""
    run = await wait_run(sessions, run_id, status={"WAITING_CI"})
    assert run.branch is not None
    head = remote_head(bare, run.branch)
    assert head is not None, "the branch is pushed before the run waits for CI"
    response = await deliver(
        api, "workflow_run", ci_payload(run.branch, head, conclusion, run_id=ci_run_id)
    )
    assert response.status_code == 200 and run.workflow_id in response.json()["workflowIds"]

    # The signal is consumed: the run leaves WAITING_CI (or already re-entered it later).
    async def taken() -> bool:
        now = await get_run(sessions, run_id)
        return now.status != "WAITING_CI" or now.iteration != run.iteration

    await eventually(taken, within=30, what=f"run {run_id} to take the CI result")


async def pending_activities(client: Client, workflow_id: str) -> list[Any]:
    """The activities the workflow is waiting on now (scheduled, running or backing off); none
    while the outbox has not started the workflow yet (its row is committed first)."""
    try:
        description = await client.get_workflow_handle(workflow_id).describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return []
        raise
    return list(description.raw_description.pending_activities)


def marker_comments(fake: FakeGitHub, number: int, run_id: str) -> dict[str, int]:
    """How many of each of the run's marked comments the issue has."""
    counts: dict[str, int] = {}
    for comment in fake.comments(REPO, number):
        for key in ("start", "final", "cancelled", "escalated", "failure-1", "failure-final"):
            if f"hookflow:run-{run_id}-{key} " in comment["body"]:
                counts[key] = counts.get(key, 0) + 1
    return counts
