"""An agent phase as an activity: the settings of a sandboxed test agent, the phase input and
running it in ActivityEnvironment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from temporalio.testing import ActivityEnvironment

from activities.agent import AgentActivities, PhaseInput, PhaseProduct
from settings import Settings, load_settings
from tests.support.ai_run import AGENT_DIR, ECHO_KNOBS, remotes_url

ISSUE = {"repo": "octo/demo", "issueNumber": 42, "title": "Add a greeting", "body": "please"}


def make_settings(tmp_path: Path, **values: Any) -> Settings:
    """Agents sandboxed with the example agents and `tmp_path/bin` (test scripts) visible."""
    (tmp_path / "bin").mkdir(exist_ok=True)
    defaults: dict[str, Any] = {
        "run_workspace_dir": tmp_path / "workspaces",
        "github_git_url": remotes_url(tmp_path),
        "run_agent_bind": f"{AGENT_DIR},{tmp_path / 'bin'}",
        "run_agent_env": ECHO_KNOBS,
    }
    return load_settings(**{**defaults, **values})


def phase(name: str, workspace: str | None, **extra: Any) -> PhaseInput:
    return PhaseInput(
        run_id="run-1",
        phase=name,
        iteration=extra.pop("iteration", 0),
        issue=ISSUE,
        previous=extra.pop("previous", {}),
        workspace=workspace,
        **extra,
    )


async def run_phase(settings: Settings, input: PhaseInput) -> PhaseProduct:
    return await ActivityEnvironment().run(AgentActivities(settings).produce, input)
