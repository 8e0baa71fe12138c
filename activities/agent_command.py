"""The command agent backend (RUN_AGENT=command): RUN_AGENT_COMMAND in bubblewrap, fed the phase
JSON on stdin, behind the egress proxy when RUN_AGENT_NETWORK=proxy; its network log is stored."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import tempfile
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.agent_egress import PhaseEgress, phase_egress
from activities.agent_phase import PhaseInput, PhaseProduct, parse_artifact
from activities.process import (
    ProcessResult,
    ProcessTimeout,
    kill_orphans,
    lifeline,
    run_process,
)
from activities.runs import ArtifactInput, load_artifact, store_artifact
from activities.sandbox import (
    AGENT_HOME,
    SandboxSpec,
    SandboxUnavailable,
    agent_environment,
    bwrap_argv,
    lifeline_argv,
    sandbox_mode,
)
from db.engine import SessionFactory
from egress.launch import proxy_environment, sandbox_python
from egress.netlog import NetworkLog, merge_artifact
from settings import Settings

NETWORK_ARTIFACT = "network"


def _write(path: Path, text: str) -> None:
    path.write_text(text)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def refused_details(log: NetworkLog | None) -> dict[str, list[str]]:
    """What a failed phase's error carries for the run's comments (see workflows.run.errors)."""
    return {"refused_hosts": log.refused() if log is not None else []}


class CommandAgent:
    def __init__(self, settings: Settings, sessions: SessionFactory | None) -> None:
        self._settings = settings
        self._sessions = sessions

    def _sandbox_mode(self) -> str:
        try:
            return sandbox_mode(self._settings)
        except SandboxUnavailable as exc:
            raise ApplicationError(
                str(exc), type="SandboxUnavailable", non_retryable=True
            ) from None

    def _egress(
        self, mode: str, phase: str
    ) -> contextlib.AbstractAsyncContextManager[PhaseEgress | None]:
        """The phase's egress proxy when the agent runs in bubblewrap with
        RUN_AGENT_NETWORK=proxy (unsandboxed, it has the worker's network whatever the
        setting says)."""
        if mode == "bwrap" and self._settings.run_agent_network == "proxy":
            return phase_egress(self._settings, phase)
        return contextlib.nullcontext(None)

    def _launch(
        self,
        argv: list[str],
        input: PhaseInput,
        cwd: str,
        env: dict[str, str],
        egress: PhaseEgress | None,
        lifeline: int,
    ) -> list[str]:
        """argv as launched: inside bubblewrap (behind the egress bridge when there is one, and
        first the check that the worker, holding the other end of pipe `lifeline`, still
        lives), or as is when RUN_AGENT_SANDBOX=none."""
        if self._sandbox_mode() == "none":
            return argv
        binds = list(self._settings.run_agent_bind_list)
        if egress is not None:
            env.update(proxy_environment())
            argv = egress.launch.wrap(argv)
        python, prefix = sandbox_python()
        if prefix:
            binds.append(prefix)
        argv = lifeline_argv(python, lifeline, argv)
        spec = SandboxSpec(
            workspace=input.workspace,
            scratch=cwd,
            binds=tuple(binds),
            network=self._settings.run_agent_network == "host",
            egress_dir=str(egress.launch.host_dir) if egress is not None else None,
        )
        env["HOME"] = AGENT_HOME
        return bwrap_argv(spec, argv)

    async def _record_network(self, run_id: str, log: NetworkLog) -> None:
        """Append this phase's connections to the run's `network` artifact."""
        if self._sessions is None:
            return
        row = await load_artifact(self._sessions, run_id, NETWORK_ARTIFACT)
        existing = json.loads(row.content) if row is not None and not row.truncated else None
        merged = merge_artifact(existing, log)
        await store_artifact(
            self._sessions,
            ArtifactInput(run_id, NETWORK_ARTIFACT, "json", json.dumps(merged, indent=1)),
        )

    async def run(
        self, input: PhaseInput, request: dict[str, Any], *, time_limit: float, limit: int
    ) -> PhaseProduct:
        """Run one phase with `request` (the phase JSON) on stdin."""
        argv = shlex.split(self._settings.run_agent_command)
        if shutil.which(argv[0]) is None:
            raise ApplicationError(
                f"agent command not found: {argv[0]!r} (RUN_AGENT_COMMAND="
                f"{self._settings.run_agent_command!r}); give an executable on PATH or a path",
                type="AgentNotFound",
                non_retryable=True,
            )
        agents = self._settings.run_workspace_dir.expanduser().resolve() / ".agents"
        agents.mkdir(parents=True, exist_ok=True)
        pidfile = agents / f"{input.run_id}.pgid"
        marker = f"HOOKFLOW_RUN_ID={input.run_id}"
        if killed := kill_orphans(pidfile, marker):
            activity.logger.warning(
                "killed %d leftover agent process(es) of run %s", killed, input.run_id
            )
        mode = self._sandbox_mode()
        network: NetworkLog | None = None
        with tempfile.TemporaryDirectory(prefix="hookflow-agent-") as scratch:
            cwd = input.workspace or scratch
            home = Path(scratch) / "home"
            home.mkdir()
            run_vars = {
                "HOOKFLOW_RUN_ID": input.run_id,
                "HOOKFLOW_PHASE": input.phase,
                "HOOKFLOW_ITERATION": str(input.iteration),
                "HOOKFLOW_WORKSPACE": cwd,
                "HOOKFLOW_REPO": str(input.issue.get("repo", "")),
                "HOOKFLOW_ISSUE_NUMBER": str(
                    input.issue.get("number", input.issue.get("issueNumber", ""))
                ),
            }
            env = agent_environment(
                os.environ, self._settings.run_agent_env_names, run_vars, str(home)
            )
            stdin = json.dumps(request).encode()
            activity.logger.info(
                "agent phase %s (iteration %d): %s", input.phase, input.iteration, argv[0]
            )
            try:
                async with self._egress(mode, input.phase) as egress:
                    network = egress.proxy.log if egress is not None else None
                    with lifeline() as fd:
                        launched = self._launch(argv, input, cwd, env, egress, fd)
                        result = await self._execute(
                            launched, cwd, env, stdin, pidfile, time_limit, limit, (fd,)
                        )
            except ProcessTimeout as exc:
                raise ApplicationError(
                    f"phase {input.phase}: {exc}", refused_details(network), type="AgentTimeout"
                ) from None
            finally:
                if network is not None:
                    await self._record_network(input.run_id, network)
        return self._product(input, result, network)

    async def _execute(
        self,
        argv: list[str],
        cwd: str,
        env: dict[str, str],
        stdin: bytes,
        pidfile: Path,
        time_limit: float,
        limit: int,
        pass_fds: tuple[int, ...],
    ) -> ProcessResult:
        try:
            return await run_process(
                argv,
                cwd=cwd,
                env=env,
                stdin=stdin,
                time_limit=time_limit,
                label="agent",
                limit=limit,
                on_start=lambda pid: _write(pidfile, str(pid)),
                pass_fds=pass_fds,
            )
        except (FileNotFoundError, PermissionError) as exc:
            raise ApplicationError(
                f"agent command cannot be started: {exc}",
                type="AgentNotFound",
                non_retryable=True,
            ) from None
        finally:
            _remove(pidfile)

    def _product(
        self, input: PhaseInput, result: ProcessResult, network: NetworkLog | None
    ) -> PhaseProduct:
        log_tail = result.stderr
        if result.returncode in (126, 127):  # the shell's "cannot execute" / "not found"
            raise ApplicationError(
                f"agent command not runnable (exit {result.returncode}): {log_tail[-2000:]}",
                refused_details(network),
                type="AgentNotFound",
                non_retryable=True,
            )
        if result.returncode != 0:
            raise ApplicationError(
                f"agent exited with {result.returncode} in phase {input.phase}: "
                f"{log_tail[-2000:].strip()}",
                refused_details(network),
                type="AgentFailed",
            )
        artifact, kind = parse_artifact(result.stdout)
        return PhaseProduct(
            phase=input.phase,
            artifact=artifact,
            kind=kind,
            patch="",
            log_tail=log_tail,
            truncated=bool(result.stdout_dropped or result.stderr_dropped),
            dropped={"artifact": result.stdout_dropped, "log": result.stderr_dropped},
            network=network,
        )
