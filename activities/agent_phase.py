"""What an agent phase takes and gives back, and the pure helpers around it (request body,
artifact parsing, the workspace patch against the run's base commit)."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from activities.git import Git, read_state, reset_config
from agent_context.hidden_text import Removal
from agent_context.phase import PhaseContext
from egress.netlog import NetworkLog


@dataclass
class PhaseInput:
    run_id: str
    phase: str
    iteration: int
    issue: dict[str, Any]
    previous: dict[str, Any]  # artifacts of earlier phases, by phase name (given inline)
    workspace: str | None
    ci_failure: str | None = None
    feedback: str | None = None  # review comments the implement phase must address
    # Earlier phases' artifacts by phase name → artifact name, loaded from the database so the
    # workflow history never carries them.
    previous_artifacts: dict[str, str] = field(default_factory=dict)
    base_sha: str | None = None  # the run's base commit (from hookflow, not the workspace)
    # The run's `issue-comments` artifact (the discussion, gathered and cleaned once per run).
    comments_artifact: str | None = None


@dataclass
class PhaseProduct:
    """One phase's bounded output, before it is stored."""

    phase: str
    artifact: Any  # parsed JSON, or text
    kind: str  # "json" | "text"
    patch: str
    log_tail: str
    truncated: bool
    # Bytes cut from each output ("artifact", "patch", "log"), for the stored sizes.
    dropped: dict[str, int] = field(default_factory=dict)
    usage: dict[str, int] | None = None  # tokens spent (the llm backend)
    network: NetworkLog | None = None  # the egress proxy's log (RUN_AGENT_NETWORK=proxy)
    hidden_text: dict[str, list[Removal]] = field(default_factory=dict)  # what was removed


@dataclass
class PhaseOutput:
    """What the workflow keeps of a phase: artifact ids and a short summary."""

    phase: str
    kind: str
    summary: str  # the artifact's first SUMMARY_CHARS characters
    artifact_name: str
    artifact_ids: dict[str, str]  # artifact name → id
    truncated: bool
    usage: dict[str, int] | None = None  # tokens spent (the llm backend)
    refused_hosts: list[str] = field(default_factory=list)  # host:port the proxy refused


SUMMARY_CHARS = 2000


def phase_artifact_name(phase: str, iteration: int) -> str:
    return phase if iteration <= 1 else f"{phase}-iteration-{iteration}"


def artifact_text(artifact: Any) -> str:
    return artifact if isinstance(artifact, str) else json.dumps(artifact, indent=2)


def summary_of(artifact: Any) -> str:
    """The artifact as people read it: the llm agent's wraps the model's answer with its usage."""
    if isinstance(artifact, dict) and "answer" in artifact and "usage" in artifact:
        artifact = artifact["answer"]
    return artifact_text(artifact)


def request_body(input: PhaseInput, context: PhaseContext | None = None) -> dict[str, Any]:
    """The JSON every backend receives (stdin for commands, the POST body for http): with a
    context, the issue's text as GitHub shows it, its discussion and the repository's
    instructions for agents."""
    body: dict[str, Any] = {
        "phase": input.phase,
        "iteration": input.iteration,
        "issue": input.issue,
        "previous": input.previous,
        "ciFailure": input.ci_failure,
        "workspace": input.workspace,
        "runId": input.run_id,
        "feedback": input.feedback,
        "comments": [],
        "omittedComments": 0,
        "instructions": None,
    }
    if context is not None:
        thread = context.comments or {}
        body.update(
            issue=context.issue,
            ciFailure=context.ci_failure,
            feedback=context.feedback,
            comments=list(thread.get("comments") or []),
            omittedComments=int(thread.get("omittedOlder") or 0),
            instructions=context.instructions,
        )
    return body


def parse_artifact(text: str) -> tuple[Any, str]:
    """JSON stdout is the artifact; failing that its last line if that is JSON; else text."""
    stripped = text.strip()
    lines = stripped.splitlines()
    for candidate in (stripped, lines[-1] if lines else ""):
        if candidate[:1] in ("{", "["):
            try:
                return json.loads(candidate), "json"
            except ValueError:
                pass
    return text, "text"


async def workspace_patch(
    workspace: str | None, base_sha: str | None, limit: int
) -> tuple[str, int]:
    """The workspace's changes (untracked files included) against the run's base commit."""
    if not workspace or not (Path(workspace) / ".git").is_dir():
        return "", 0
    path = Path(workspace)
    reset_config(path)  # no filter, fsmonitor or include the agent may have configured
    base = base_sha or (read_state(path) or {}).get("base_sha") or "HEAD"
    git = Git("")
    # A throwaway index, so the patch sees new files without touching the workspace's own index.
    with tempfile.TemporaryDirectory() as scratch:
        index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        await git.run("read-tree", base, cwd=workspace, extra_env=index)
        await git.run("add", "--all", cwd=workspace, extra_env=index)
        diff = await git.execute(
            "diff", "--cached", "--binary", base, cwd=workspace, extra_env=index, limit=limit
        )
    return diff.stdout, diff.stdout_dropped  # capped at `limit` with a marker
