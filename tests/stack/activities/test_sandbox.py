"""The agent sandbox: derived git URL, allow-listed environment, what a bubblewrapped agent can and
cannot reach (read-only .git, private /tmp and HOME, no host ports unless RUN_AGENT_NETWORK=host),
and `auto` refusing to run agents without a working bubblewrap."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities import sandbox
from activities.agent import AgentActivities, PhaseInput
from activities.sandbox import describe
from activities.workspace import WorkspaceActivities, WorkspaceInput
from settings import load_settings
from tests.support.ai_run import AGENT_PYTHON, make_bare_remote, remotes_url
from tests.support.services import PostgresAddress

REPO = "octo/demo"


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    path = tmp_path / "bin"
    path.mkdir()
    return path


def agent(bin_dir: Path, code: str, *args: str) -> str:
    path = bin_dir / "agent.py"
    path.write_text(code)
    return " ".join(shlex.quote(a) for a in (AGENT_PYTHON, str(path), *args))


async def produce(settings: Any, workspace: str | None) -> Any:
    data = PhaseInput("run-1", "plan", 1, {"repo": REPO}, {}, workspace)
    return (await ActivityEnvironment().run(AgentActivities(settings).produce, data)).artifact


PROBE = """
import json, os, pathlib, sys
def tried(action):
    try:
        action()
        return "ok"
    except OSError as exc:
        return type(exc).__name__
print(json.dumps({
    "git": tried(lambda: pathlib.Path(".git/hooks/pre-push").write_text("x")),
    "tree": tried(lambda: pathlib.Path("change.txt").write_text("x")),
    "tmp": os.listdir("/tmp"), "home": os.environ["HOME"],
    "home_writable": tried(lambda: pathlib.Path(os.environ["HOME"], "f").write_text("x")),
    "siblings": os.listdir(sys.argv[1]),
    "worker_home": tried(lambda: os.listdir(sys.argv[2])),
    "marker": os.path.exists(sys.argv[3]),
    "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
}))
"""


async def test_bwrap_agent_sees_readonly_git_private_tmp_and_home_and_nothing_else(
    tmp_path: Path, bin_dir: Path
) -> None:
    make_bare_remote(tmp_path, REPO)
    # A file of the worker's /tmp (tmp_path lies under it) that nothing binds into the sandbox.
    marker = tmp_path / "worker-tmp-marker"
    marker.write_text("worker's /tmp")
    settings = load_settings(
        run_agent="command",
        run_workspace_dir=tmp_path / "workspaces",
        github_git_url=remotes_url(tmp_path),
        run_agent_bind=str(bin_dir),
        run_agent_command=agent(
            bin_dir, PROBE, str(tmp_path / "workspaces"), str(Path.home()), str(marker)
        ),
    )
    info = await ActivityEnvironment().run(
        WorkspaceActivities(settings).prepare, WorkspaceInput("run-1", REPO, "ai/x")
    )
    (tmp_path / "workspaces" / "run-2").mkdir()
    seen = await produce(settings, info.path)
    assert seen["git"] == "OSError" and seen["tree"] == "ok"
    assert (Path(info.path) / "change.txt").exists()
    assert not (Path(info.path) / ".git" / "hooks" / "pre-push").exists()
    # /tmp is the sandbox's own: the marker is not there, and its top level holds at most
    # the directories bubblewrap made for the binds under tmp_path.
    assert seen["marker"] is False
    bound_under_tmp = {tmp_path.parts[2]} if tmp_path.parts[:2] == ("/", "tmp") else set()
    assert set(seen["tmp"]) <= bound_under_tmp, seen["tmp"]
    assert seen["home"] != str(Path.home())
    assert seen["home_writable"] == "ok"
    assert seen["siblings"] == ["run-1"]  # another run's workspace is not there
    assert seen["worker_home"] != "ok"
    assert max(seen["pids"]) < 10  # its own PID namespace: the worker is not in it


CONNECT = """
import json, socket, sys
reached = {}
for port in sys.argv[1:]:
    try:
        socket.create_connection(("127.0.0.1", int(port)), timeout=2).close()
        reached[port] = True
    except OSError:
        reached[port] = False
print(json.dumps(reached))
"""


@pytest.mark.parametrize(
    ("network", "reachable"), [("proxy", False), ("none", False), ("host", True)]
)
async def test_agent_reaches_host_ports_only_with_network_host(
    tmp_path: Path,
    bin_dir: Path,
    postgres: PostgresAddress,
    temporal_address: str,
    api_port: int,
    network: str,
    reachable: bool,
) -> None:
    ports = [str(api_port), str(postgres.port), temporal_address.rsplit(":", 1)[1]]
    settings = load_settings(
        run_agent="command",
        run_workspace_dir=tmp_path / "workspaces",
        run_agent_bind=str(bin_dir),
        run_agent_network=network,
        run_agent_command=agent(bin_dir, CONNECT, *ports),
    )
    reached = await produce(settings, None)
    assert reached == {port: reachable for port in ports}


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("auto", "RUN_AGENT_SANDBOX=none"),
        ("bwrap", "RUN_AGENT_SANDBOX=bwrap but"),
    ],
)
async def test_sandbox_refuses_agents_when_bwrap_does_not_work(
    tmp_path: Path,
    bin_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    message: str,
) -> None:
    monkeypatch.setattr(sandbox, "BWRAP", "no-such-bwrap")
    settings = load_settings(
        run_agent="command",
        run_workspace_dir=tmp_path / "workspaces",
        run_agent_sandbox=mode,
        run_agent_bind=str(bin_dir),
        run_agent_command=agent(bin_dir, "print('{}')"),
    )
    with pytest.raises(ApplicationError) as caught:
        await produce(settings, None)
    assert caught.value.non_retryable and caught.value.type == "SandboxUnavailable"
    assert message in str(caught.value) and "bubblewrap" in str(caught.value)
    assert message in describe(settings)
    unsandboxed = settings.model_copy(update={"run_agent_sandbox": "none"})
    assert await produce(unsandboxed, None) == {}
    assert "UNSANDBOXED" in describe(unsandboxed)


def test_describe_names_bwrap_mode_and_network() -> None:
    line = describe(load_settings(run_agent_network="none", run_agent_bind="/opt/agent"))
    assert line == "agents run in bubblewrap (network none, extra binds: /opt/agent)"
    line = describe(load_settings(run_agent_allow_hosts="api.openai.com,*.anthropic.com"))
    assert line == (
        "agents run in bubblewrap (network proxy allowing api.openai.com, *.anthropic.com, "
        "extra binds: none)"
    )
    assert "network host: UNSAFE" in describe(load_settings(run_agent_network="host"))
