"""A worker that dies as its agent's sandbox starts leaves no agent running: bubblewrap's inner
process arms its parent-death signal only once it runs, so the sandbox's first command checks the
worker's lifeline pipe and runs the agent only while the worker holds it; a bubblewrap cut off
before that waits without running anything until the retried attempt's sweep kills it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from activities.process import kill_orphans
from activities.sandbox import BWRAP, lifeline_argv
from tests.support.ai_run import AGENT_PYTHON
from tests.support.files import ROOT
from tests.support.processes import alive, command_line, describe, processes_of
from tests.support.waiting import eventually

WORKERS = 5  # each left a sandbox running 7–9 times in 10 before the lifeline
SLEEPER = "import time; time.sleep(60)"


@pytest.mark.parametrize("network", ["none", "proxy"])
async def test_worker_killed_as_the_sandbox_starts_leaves_no_agent(
    tmp_path: Path, network: str
) -> None:
    agent = tmp_path / "bin" / "agent.py"
    agent.parent.mkdir()
    agent.write_text(SLEEPER)
    values = {
        "run_agent": "command",
        "run_agent_sandbox": "bwrap",
        "run_agent_network": network,
        "run_workspace_dir": str(tmp_path / "workspaces"),
        "run_agent_bind": str(agent.parent),
        "run_agent_command": f"{AGENT_PYTHON} {agent}",
    }
    runs = [f"run-{uuid.uuid4()}" for _ in range(WORKERS)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(  # noqa: ASYNC220 - started together, waited for below
            [sys.executable, "-m", "tests.support.dying_worker", json.dumps(values), run],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
        )
        for run in runs
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=60)  # noqa: ASYNC221
        # Each died at the agent's start, not before (a settings or import error).
        assert worker.returncode == -signal.SIGKILL, err.decode(errors="replace")[-2000:]

    def left() -> list[int]:
        return [pid for run in runs for pid in processes_of(run) if alive(pid)]

    def running() -> list[int]:
        """Processes of the runs past bubblewrap's own: the lifeline, the bridge, the agent."""
        return [pid for pid in left() if command_line(pid)[:1] != [BWRAP]]

    try:
        # Nothing runs in a sandbox once its worker is gone (only a bubblewrap cut off while
        # starting may still wait; it never gets to run anything).
        await eventually(lambda: not running(), 5, "no agent running without its worker")
        # What is left, the retried attempt's sweep (its first step) kills.
        workspaces = tmp_path / "workspaces" / ".agents"
        for run in runs:
            kill_orphans(workspaces / f"{run}.pgid", f"HOOKFLOW_RUN_ID={run}")
        await eventually(lambda: not left(), 5, "every process of the runs gone")
    except AssertionError as exc:
        raise AssertionError(f"{exc}:\n" + "\n".join(map(describe, left()))) from None
    finally:
        for pid in left():
            os.kill(pid, signal.SIGKILL)


def lifeline_run(tmp_path: Path, *, worker_alive: bool, command: list[str]) -> tuple[int, bool]:
    """Run `command` behind the lifeline check outside any sandbox: (exit code, whether the
    command ran)."""
    witness = tmp_path / "ran"
    read, write = os.pipe()
    if not worker_alive:
        os.close(write)
    argv = lifeline_argv(sys.executable, read, [*command, str(witness), "0"])
    try:
        done = subprocess.run(argv, pass_fds=(read,), capture_output=True, timeout=30)
    finally:
        os.close(read)
        if worker_alive:
            os.close(write)
    return done.returncode, witness.exists()


TOUCH = [
    sys.executable,
    "-c",
    "import pathlib, sys, time; pathlib.Path(sys.argv[1]).touch(); time.sleep(float(sys.argv[2]))"
    "; sys.exit(3)",
]  # + WITNESS SECONDS: touches the witness file, sleeps, exits 3


def test_lifeline_runs_the_command_while_the_worker_holds_the_pipe(tmp_path: Path) -> None:
    assert lifeline_run(tmp_path, worker_alive=True, command=TOUCH) == (3, True)


def test_lifeline_runs_nothing_once_the_worker_is_gone(tmp_path: Path) -> None:
    assert lifeline_run(tmp_path, worker_alive=False, command=TOUCH) == (137, False)


@pytest.mark.parametrize(("executable", "code"), [(False, 127), (True, 126)])
def test_lifeline_answers_as_a_shell_for_a_command_it_cannot_run(
    tmp_path: Path, executable: bool, code: int
) -> None:
    command = tmp_path / "agent"  # missing, or there but not executable
    if executable:
        command.write_text("#!/bin/sh\n")
    assert lifeline_run(tmp_path, worker_alive=True, command=[str(command)]) == (code, False)


async def test_lifeline_ends_the_agent_when_the_worker_goes_while_it_runs(tmp_path: Path) -> None:
    witness = tmp_path / "ran"
    read, write = os.pipe()
    agent = subprocess.Popen(  # noqa: ASYNC220
        lifeline_argv(sys.executable, read, [*TOUCH, str(witness), "60"]), pass_fds=(read,)
    )
    os.close(read)
    try:
        await eventually(witness.exists, 10, "the agent running")
        os.close(write)  # the worker's end: as when the kernel closes a dead worker's files
        await eventually(lambda: agent.poll() is not None, 5, "the agent to be killed")
        assert agent.returncode == -signal.SIGKILL
    finally:
        agent.kill()
        agent.wait(5)
