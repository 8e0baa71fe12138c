"""hookflow's own git in a workspace an unsandboxed agent tampered with: no hook, fsmonitor,
filter or credential helper of the agent runs, and the push goes to the canonical remote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.testing import ActivityEnvironment

from activities.agent_phase import workspace_patch
from activities.workspace import PushInput, WorkspaceActivities, WorkspaceInput
from settings import load_settings
from tests.support.ai_run import git, make_bare_remote, remotes_url
from tests.support.fakes.agent import FakeAgentServer

REPO = "octo/demo"
BRANCH = "ai/issue-1-abc"


def tamper(workspace: Path, evil_url: str, evil_bare: Path, marks: Path) -> None:
    """Everything an agent running as the worker's user could do to the workspace's .git."""
    hook = f"#!/bin/sh\necho ran >> {marks}/$(basename $0)\n"
    for name in ("pre-push", "post-commit", "pre-commit", "reference-transaction"):
        path = workspace / ".git" / "hooks" / name
        path.write_text(hook)
        path.chmod(0o755)
    runner = marks / "run.sh"
    runner.write_text(f"#!/bin/sh\necho ran >> {marks}/$1\ncat\n")
    runner.chmod(0o755)
    for key, value in [
        ("core.fsmonitor", f"{runner} fsmonitor"),
        ("filter.evil.clean", f"{runner} filter"),
        ("filter.evil.smudge", f"{runner} filter"),
        ("credential.helper", f"!{runner} credential"),
        ("remote.origin.url", evil_url),
        ("remote.origin.pushurl", str(evil_bare)),
        (f"url.{evil_bare}.insteadOf", remotes_url(workspace.parent.parent)),
    ]:
        git("config", key, value, cwd=workspace)
    (workspace / ".gitattributes").write_text("* filter=evil\n")
    state = workspace / ".git" / "hookflow-workspace.json"
    data = json.loads(state.read_text())
    state.write_text(json.dumps({**data, "clone_url": evil_url}))
    (workspace / "work.txt").write_text("the agent's change\n")


@pytest.mark.parametrize("token", [None, "ghs_hardening_token"])
async def test_push_after_tampering_runs_no_agent_config_and_lands_on_canonical(
    tmp_path: Path, token: str | None
) -> None:
    bare = make_bare_remote(tmp_path, REPO)
    evil_bare = make_bare_remote(tmp_path / "evil", REPO)
    marks = tmp_path / "marks"
    marks.mkdir()
    settings = load_settings(
        run_workspace_dir=tmp_path / "workspaces",
        github_git_url=remotes_url(tmp_path),
        github_token=token,
    )
    acts = WorkspaceActivities(settings)
    with FakeAgentServer() as evil:
        info = await ActivityEnvironment().run(acts.prepare, WorkspaceInput("run-1", REPO, BRANCH))
        workspace = Path(info.path)
        tamper(workspace, f"{evil.url}/x.git", evil_bare, marks)
        patch, _ = await workspace_patch(info.path, info.base_sha, 100_000)
        result = await ActivityEnvironment().run(
            acts.push, PushInput("run-1", info.path, BRANCH, "hookflow: change", REPO)
        )
    assert "+the agent's change" in patch
    assert result.pushed is True
    assert git("--git-dir", str(bare), "rev-parse", f"refs/heads/{BRANCH}") == result.head_sha
    assert git("--git-dir", str(evil_bare), "branch", "--list", "ai/*") == ""
    assert evil.headers == []
    assert sorted(p.name for p in marks.iterdir()) == ["run.sh"]  # no hook, helper or filter ran
