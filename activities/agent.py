"""Agent phase activity: run one phase of an AI run with the configured backend (command | http)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.agent_http import post_phase
from activities.agent_llm import LLMAgent
from activities.git import Git, read_state
from activities.process import ProcessTimeout, run_process
from settings import Settings, parse_duration

LOG_TAIL_CHARS = 16_000
NO_AGENT = (
    "no agent configured: set RUN_AGENT=command and RUN_AGENT_COMMAND=<executable and args>, "
    "or RUN_AGENT=http and RUN_AGENT_URL=<agent endpoint>, or RUN_AGENT=llm and LLM_MODEL=<model>"
)


@dataclass
class PhaseInput:
    run_id: str
    phase: str
    iteration: int
    issue: dict[str, Any]
    previous: dict[str, Any]  # artifacts of earlier phases, by phase name
    workspace: str | None
    ci_failure: str | None = None
    feedback: str | None = None  # review comments the implement phase must address


@dataclass
class PhaseOutput:
    phase: str
    artifact: Any  # parsed JSON, or text
    kind: str  # "json" | "text"
    patch: str
    log_tail: str
    truncated: bool
    usage: dict[str, int] | None = None  # tokens spent (the llm backend)


def request_body(input: PhaseInput) -> dict[str, Any]:
    """The JSON every backend receives (stdin for commands, the POST body for http)."""
    return {
        "phase": input.phase, "iteration": input.iteration, "issue": input.issue,
        "previous": input.previous, "ciFailure": input.ci_failure, "workspace": input.workspace,
        "runId": input.run_id, "feedback": input.feedback,
    }


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


async def workspace_patch(workspace: str | None) -> tuple[str, bool]:
    """The workspace's changes (untracked files included) against the run's base commit."""
    if not workspace or not (Path(workspace) / ".git").exists():
        return "", False
    state = read_state(Path(workspace)) or {}
    git = Git(state.get("clone_url", ""))
    base = state.get("base_sha") or "HEAD"
    # A throwaway index, so the patch sees new files without touching the workspace's own index.
    with tempfile.TemporaryDirectory() as scratch:
        index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        await git.run("read-tree", base, cwd=workspace, extra_env=index)
        await git.run("add", "--all", cwd=workspace, extra_env=index)
        diff = await git.execute("diff", "--cached", "--binary", base, cwd=workspace,
                                 extra_env=index)
    return diff.stdout, diff.stdout_truncated  # capped at OUTPUT_LIMIT with a marker


# hookflow's own credentials never reach the agent: it works in a prepared clone and must not
# push, sign deliveries, call the API or open the database behind hookflow's back.
WITHHELD_FROM_AGENT = ("GITHUB_WEBHOOK_SECRET", "API_TOKEN", "DATABASE_URL", "GITHUB_TOKEN")


def agent_base_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(WITHHELD_FROM_AGENT)}


class AgentActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def _time_limit(self) -> float:
        return parse_duration(self._settings.run_phase_timeout).total_seconds()

    @activity.defn(name="agent.run_phase")
    async def run_phase(self, input: PhaseInput) -> PhaseOutput:
        """Run one agent phase and return its artifact, the workspace patch and a log tail."""
        backend = self._settings.run_agent
        if backend == "command" and self._settings.run_agent_command.strip():
            return await self._run_command(input)
        if backend == "http" and self._settings.run_agent_url.strip():
            return await self._run_http(input)
        if backend == "llm" and self._settings.llm_model.strip():
            return await self._run_llm(input)
        raise ApplicationError(NO_AGENT, type="AgentNotConfigured", non_retryable=True)

    async def _run_command(self, input: PhaseInput) -> PhaseOutput:
        argv = shlex.split(self._settings.run_agent_command)
        if shutil.which(argv[0]) is None:
            raise ApplicationError(
                f"agent command not found: {argv[0]!r} (RUN_AGENT_COMMAND="
                f"{self._settings.run_agent_command!r}); give an executable on PATH or a path",
                type="AgentNotFound", non_retryable=True,
            )
        with tempfile.TemporaryDirectory(prefix="hookflow-agent-") as scratch:
            cwd = input.workspace or scratch
            env = {
                **agent_base_environment(),
                "HOOKFLOW_RUN_ID": input.run_id, "HOOKFLOW_PHASE": input.phase,
                "HOOKFLOW_ITERATION": str(input.iteration), "HOOKFLOW_WORKSPACE": cwd,
                "HOOKFLOW_REPO": str(input.issue.get("repo", "")),
                "HOOKFLOW_ISSUE_NUMBER": str(
                    input.issue.get("number", input.issue.get("issueNumber", ""))),
            }
            stdin = json.dumps(request_body(input)).encode()
            activity.logger.info("agent phase %s (iteration %d): %s", input.phase,
                                 input.iteration, argv[0])
            try:
                result = await run_process(argv, cwd=cwd, env=env, stdin=stdin,
                                           time_limit=self._time_limit, label="agent")
            except (FileNotFoundError, PermissionError) as exc:
                raise ApplicationError(f"agent command cannot be started: {exc}",
                                       type="AgentNotFound", non_retryable=True) from None
            except ProcessTimeout as exc:
                raise ApplicationError(f"phase {input.phase}: {exc}",
                                       type="AgentTimeout") from None
        log_tail = result.stderr[-LOG_TAIL_CHARS:]
        if result.returncode in (126, 127):  # the shell's "cannot execute" / "not found"
            raise ApplicationError(
                f"agent command not runnable (exit {result.returncode}): {log_tail[-2000:]}",
                type="AgentNotFound", non_retryable=True,
            )
        if result.returncode != 0:
            raise ApplicationError(
                f"agent exited with {result.returncode} in phase {input.phase}: "
                f"{log_tail[-2000:].strip()}",
                type="AgentFailed",
            )
        artifact, kind = parse_artifact(result.stdout)
        patch, patch_truncated = await workspace_patch(input.workspace)
        return PhaseOutput(
            phase=input.phase, artifact=artifact, kind=kind, patch=patch, log_tail=log_tail,
            truncated=result.stdout_truncated or patch_truncated,
        )

    async def _run_llm(self, input: PhaseInput) -> PhaseOutput:
        reply = await LLMAgent(self._settings).run(request_body(input))
        patch, patch_truncated = await workspace_patch(input.workspace)
        return PhaseOutput(phase=input.phase, artifact=reply.artifact, kind=reply.kind,
                           patch=patch, log_tail=reply.log, truncated=patch_truncated,
                           usage=reply.usage)

    async def _run_http(self, input: PhaseInput) -> PhaseOutput:
        artifact, kind, truncated = await post_phase(
            self._settings.run_agent_url, request_body(input), time_limit=self._time_limit,
        )
        patch, patch_truncated = await workspace_patch(input.workspace)
        return PhaseOutput(phase=input.phase, artifact=artifact, kind=kind, patch=patch,
                           log_tail="", truncated=truncated or patch_truncated)
