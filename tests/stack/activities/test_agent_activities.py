"""Agent backends and git workspaces as activities (ActivityEnvironment), against a local bare
git repository as the remote and local HTTP(S) servers as agents."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import shlex
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.agent import AgentActivities
from activities.workspace import (
    CleanupInput,
    PushInput,
    WorkspaceActivities,
    WorkspaceInfo,
    WorkspaceInput,
)
from egress.launch import proxy_environment
from settings import Settings
from tests.support.agent_phase import make_settings, phase, run_phase
from tests.support.ai_run import AGENT_PYTHON, ECHO_AGENT, git, make_bare_remote
from tests.support.fakes.agent import FakeAgentServer
from tests.support.processes import alive
from tests.support.waiting import eventually

PY = shlex.quote(AGENT_PYTHON)
TOKEN = "ghs_testtoken0123456789abcdef"


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare repository on `main` with one commit, standing in for GitHub."""
    return make_bare_remote(tmp_path, "octo/demo")


def script(tmp_path: Path, text: str) -> str:
    """An agent command running `text` with the system Python (visible in the sandbox)."""
    path = tmp_path / "bin" / f"agent_{abs(hash(text))}.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return f"{PY} {shlex.quote(str(path))}"


async def prepare(settings: Settings, remote: Path, run_id: str = "run-1") -> WorkspaceInfo:
    acts = WorkspaceActivities(settings)
    return await ActivityEnvironment().run(
        acts.prepare, WorkspaceInput(run_id, "octo/demo", "ai/issue-42-run1")
    )


def exists(path: str | Path) -> bool:
    return Path(path).exists()


async def test_run_phase_returns_artifact_and_patch_with_command_agent(
    tmp_path: Path, remote: Path
) -> None:
    settings = make_settings(tmp_path, run_agent="command", run_agent_command=ECHO_AGENT)
    info = await prepare(settings, remote)
    qualified = await run_phase(settings, phase("qualify", info.path))
    assert qualified.kind == "json" and qualified.artifact["qualified"] is True
    assert qualified.patch == ""
    out = await run_phase(
        settings,
        phase(
            "implement",
            info.path,
            iteration=2,
            previous={"plan": {"steps": ["x"]}},
            ci_failure="FAILED tests/test_x.py::test_y",
        ),
    )
    assert out.kind == "json" and out.artifact["changed"] == ["HOOKFLOW_NOTES.md"]
    assert out.artifact["fixedCi"] is True
    assert "+++ b/HOOKFLOW_NOTES.md" in out.patch  # an untracked file is in the patch
    assert "+- Add a greeting (iteration 2)" in out.patch
    assert "fix for CI failure: FAILED tests/test_x.py::test_y" in out.patch
    assert "echo agent: phase implement" in out.log_tail
    assert out.truncated is False


async def test_run_phase_keeps_hookflow_secrets_from_the_agent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [
        "GITHUB_WEBHOOK_SECRET",
        "GITHUB_WEBHOOK_SECRET_PREVIOUS",
        "API_TOKEN",
        "DATABASE_URL",
        "GITHUB_TOKEN",
        "GITHUB_WEBHOOK_REPO_SECRETS",
        "NOTIFY_WEBHOOK_URL",
        "TEMPORAL_ADDRESS",
        "some_lowercase_secret",
        "AGENT_OWN_KEY",
    ]
    for name in names:
        monkeypatch.setenv(name, f"value-of-{name}")
    monkeypatch.setenv("LC_TIME", "C")
    command = script(tmp_path, "import json, os\nprint(json.dumps(dict(os.environ)))\n")
    settings = make_settings(
        tmp_path, run_agent="command", run_agent_command=command, run_agent_env="AGENT_OWN_KEY"
    )
    env = (await run_phase(settings, phase("plan", None))).artifact
    assert env["AGENT_OWN_KEY"] == "value-of-AGENT_OWN_KEY" and env["LC_TIME"] == "C"
    assert env["HOOKFLOW_PHASE"] == "plan" and env["HOME"] != str(Path.home())
    # RUN_AGENT_NETWORK=proxy: hookflow's own values point the agent at the egress bridge.
    proxy = proxy_environment()
    assert {k: env.get(k) for k in proxy} == proxy
    # An allow-list: nothing else of the worker's environment, whatever its name.
    allowed = {"PATH", "HOME", "LC_TIME", "LANG", "TZ", "AGENT_OWN_KEY", "PWD"}  # PWD: bwrap
    assert {k for k in env if not k.startswith("HOOKFLOW_")} <= allowed | set(proxy), sorted(env)


async def test_run_phase_accepts_plain_text_stdout(tmp_path: Path) -> None:
    command = f"{PY} -c \"print('just words')\""
    settings = make_settings(tmp_path, run_agent="command", run_agent_command=command)
    out = await run_phase(settings, phase("plan", None))
    assert (out.kind, out.artifact.strip(), out.patch) == ("text", "just words", "")


async def test_run_phase_bad_exit_is_retryable_with_stderr_tail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECHO_AGENT_FAIL_PHASE", "test")
    settings = make_settings(tmp_path, run_agent="command", run_agent_command=ECHO_AGENT)
    assert (await run_phase(settings, phase("plan", None))).kind == "json"
    with pytest.raises(ApplicationError) as caught:
        await run_phase(settings, phase("test", None))
    assert caught.value.non_retryable is False and caught.value.type == "AgentFailed"
    assert "exited with 1" in str(caught.value)
    assert "failing phase test as asked" in str(caught.value)


async def test_run_phase_truncates_oversized_output(tmp_path: Path) -> None:
    command = f"{PY} -c \"print('x' * 3_000_000)\""
    settings = make_settings(tmp_path, run_agent="command", run_agent_command=command)
    out = await run_phase(settings, phase("plan", None))
    assert out.truncated is True and out.kind == "text"
    assert out.artifact.count("[truncated by hookflow: 2737857 bytes dropped]") == 1
    assert len(out.artifact) < 262_144 + 100


async def test_run_phase_times_out_and_kills_agent(tmp_path: Path) -> None:
    command = f'{PY} -c "import time; time.sleep(60)"'
    settings = make_settings(
        tmp_path, run_agent="command", run_agent_command=command, run_phase_timeout="1s"
    )
    # The agent would sleep a minute: the phase ends long before that, killed at its timeout.
    with pytest.raises(ApplicationError) as caught:
        await asyncio.wait_for(run_phase(settings, phase("plan", None)), 30)
    assert caught.value.type == "AgentTimeout"


async def test_cancel_kills_agent_process_group_within_seconds(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    # The agent starts a grandchild too: cancel must take down the whole process group.
    script = (
        "import os, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        f"open({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')\n"
        "time.sleep(120)\n"
    )
    (tmp_path / "agent.py").write_text(script)
    # Unsandboxed: the test reads the agent's pids from the worker's PID namespace.
    settings = make_settings(
        tmp_path,
        run_agent="command",
        run_agent_sandbox="none",
        run_agent_command=f"{PY} {tmp_path / 'agent.py'}",
    )
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, heartbeat_timeout=timedelta(seconds=0.9))
    heartbeats: list[Any] = []
    env.on_heartbeat = lambda *details: heartbeats.append(details)
    task = asyncio.ensure_future(
        env.run(AgentActivities(settings).produce, phase("implement", None))
    )
    await eventually(lambda: pids.exists() and pids.read_text(), 10, "the agent's pids")
    leader, grandchild = (int(p) for p in pids.read_text().split())
    # Heartbeats come every 0.3 s for a 0.9 s heartbeat timeout, while the agent runs.
    await eventually(lambda: len(heartbeats) >= 5, 10, "heartbeats past the timeout")
    assert alive(leader) and alive(grandchild)
    env.cancel()
    # The agents would sleep two minutes: cancelling ends the activity long before that.
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 30)
    await eventually(
        lambda: not alive(leader) and not alive(grandchild), 5, "the agent's process group to die"
    )


async def test_prepare_workspace_is_idempotent(tmp_path: Path, remote: Path) -> None:
    settings = make_settings(tmp_path)
    first = await prepare(settings, remote)
    (Path(first.path) / "work.txt").write_text("in progress\n")
    again = await prepare(settings, remote)
    assert again == first
    assert (Path(again.path) / "work.txt").exists()  # reused, not re-cloned
    assert first.base_branch == "main"
    assert first.base_sha == git("--git-dir", str(remote), "rev-parse", "refs/heads/main")
    assert git("rev-parse", "--abbrev-ref", "HEAD", cwd=Path(first.path)) == "ai/issue-42-run1"


async def test_push_creates_branch_and_second_push_is_noop(tmp_path: Path, remote: Path) -> None:
    settings = make_settings(tmp_path, run_agent="command", run_agent_command=ECHO_AGENT)
    info = await prepare(settings, remote)
    await run_phase(settings, phase("implement", info.path))
    acts = WorkspaceActivities(settings)
    push = PushInput(
        "run-1", info.path, "ai/issue-42-run1", "hookflow: Add a greeting (#42)", "octo/demo"
    )
    first = await ActivityEnvironment().run(acts.push, push)
    assert first.pushed is True and first.head_sha
    bare = ["--git-dir", str(remote)]
    assert git(*bare, "rev-parse", "refs/heads/ai/issue-42-run1") == first.head_sha
    assert git(*bare, "log", "-1", "--format=%an|%s", first.head_sha) == (
        "hookflow[bot]|hookflow: Add a greeting (#42)"
    )
    assert "HOOKFLOW_NOTES.md" in git(*bare, "show", "--name-only", "--format=", first.head_sha)
    second = await ActivityEnvironment().run(acts.push, push)
    assert (second.pushed, second.head_sha) == (False, first.head_sha)
    assert git(*bare, "rev-list", "--count", "refs/heads/ai/issue-42-run1") == "2"


async def test_push_without_changes_pushes_nothing(tmp_path: Path, remote: Path) -> None:
    settings = make_settings(tmp_path)
    info = await prepare(settings, remote)
    acts = WorkspaceActivities(settings)
    result = await ActivityEnvironment().run(
        acts.push, PushInput("run-1", info.path, "ai/issue-42-run1", "nothing", "octo/demo")
    )
    assert (result.pushed, result.head_sha) == (False, None)
    assert git("--git-dir", str(remote), "branch", "--list", "ai/*") == ""


async def test_prepare_after_crash_continues_from_pushed_branch(
    tmp_path: Path, remote: Path
) -> None:
    settings = make_settings(tmp_path, run_agent="command", run_agent_command=ECHO_AGENT)
    info = await prepare(settings, remote)
    await run_phase(settings, phase("implement", info.path))
    acts = WorkspaceActivities(settings)
    pushed = await ActivityEnvironment().run(
        acts.push, PushInput("run-1", info.path, "ai/issue-42-run1", "first", "octo/demo")
    )
    await ActivityEnvironment().run(acts.cleanup, CleanupInput("run-1"))
    assert not exists(info.path)
    fresh = await prepare(settings, remote)  # a new worker: the workspace is gone
    assert fresh.base_sha == info.base_sha
    assert git("rev-parse", "HEAD", cwd=Path(fresh.path)) == pushed.head_sha


async def test_prepare_keeps_token_out_of_git_config(tmp_path: Path, remote: Path) -> None:
    settings = make_settings(tmp_path, github_token=TOKEN)
    info = await prepare(settings, remote)
    config = (Path(info.path) / ".git" / "config").read_text()
    assert TOKEN not in config and "extraheader" not in config


async def test_prepare_sends_token_as_header_to_https_remote_and_redacts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_SSL_NO_VERIFY", "1")  # the local server's certificate is self-signed
    with FakeAgentServer(tls_dir=tmp_path) as server:
        server.status, server.reply = 500, {"message": f"echo {TOKEN}"}
        settings = make_settings(tmp_path, github_token=TOKEN, github_git_url=server.url)
        acts = WorkspaceActivities(settings)
        with pytest.raises(ApplicationError) as caught:
            await ActivityEnvironment().run(
                acts.prepare, WorkspaceInput("run-2", "octo/demo", "ai/issue-42-run2")
            )
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    assert server.headers and server.headers[0].get("authorization") == f"Basic {basic}"
    assert TOKEN not in str(caught.value) and basic not in str(caught.value)
    config = tmp_path / "workspaces" / "run-2" / ".git" / "config"
    assert not config.exists() or TOKEN not in config.read_text()


async def test_cleanup_removes_workspace(tmp_path: Path, remote: Path) -> None:
    settings = make_settings(tmp_path)
    info = await prepare(settings, remote)
    await ActivityEnvironment().run(WorkspaceActivities(settings).cleanup, CleanupInput("run-1"))
    assert not exists(info.path)
    assert exists(tmp_path / "workspaces")
