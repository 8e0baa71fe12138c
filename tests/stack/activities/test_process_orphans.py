"""Agent processes never outlive their worker: PR_SET_PDEATHSIG on every child, and a retried
phase kills what an unsandboxed agent's children left behind (only processes of that run)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from activities.process import kill_orphans
from tests.support.processes import alive, group_members
from tests.support.waiting import eventually

SLEEPER = (
    "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', "
    "'import time; time.sleep(60)']); time.sleep(60)"
)


@pytest.mark.parametrize("killed", [True, False])
async def test_kill_orphans_kills_the_recorded_group_only_when_it_is_the_runs(
    tmp_path: Path, killed: bool
) -> None:
    # Run ids of this test only: kill_orphans kills whatever carries the marker, anywhere.
    run, other = f"run-{uuid.uuid4()}", f"run-{uuid.uuid4()}"
    marker = f"HOOKFLOW_RUN_ID={run if killed else other}"
    env = {**os.environ, "HOOKFLOW_RUN_ID": run}
    # A plain Popen: the test needs the group's pid and signals, not an asyncio process.
    leader = subprocess.Popen(  # noqa: ASYNC220
        [sys.executable, "-c", SLEEPER], env=env, start_new_session=True
    )

    def both() -> list[int] | None:
        members = group_members(leader.pid)
        return members if len(members) == 2 else None

    try:
        members: list[int] = await eventually(both, 5, "the agent and its child")
        pidfile = tmp_path / f"{run}.pgid"
        pidfile.write_text(str(leader.pid))
        assert kill_orphans(pidfile, marker) == (2 if killed else 0)
        assert not pidfile.exists()
        if killed:
            await eventually(
                lambda: leader.poll() is not None and not any(map(alive, members)),
                5,
                "the group to die",
            )
        else:
            # Not the run's: kill_orphans sent no signal, so the group lives on.
            assert leader.poll() is None and all(alive(p) for p in members)
    finally:
        if group_members(leader.pid):
            os.killpg(leader.pid, 9)
        leader.wait(5)


async def test_kill_orphans_kills_the_runs_processes_in_other_sessions(tmp_path: Path) -> None:
    # A sandbox whose bubblewrap was cut off while starting: a session of its own, not the
    # recorded group, parent gone; it carries the run's marker.
    run = f"run-{uuid.uuid4()}"
    env = {**os.environ, "HOOKFLOW_RUN_ID": run}
    stray = subprocess.Popen(  # noqa: ASYNC220
        [sys.executable, "-c", "import time; time.sleep(60)"], env=env, start_new_session=True
    )
    bystander = subprocess.Popen(  # noqa: ASYNC220 - another run's: left alone
        [sys.executable, "-c", "import time; time.sleep(60)"],
        env={**os.environ, "HOOKFLOW_RUN_ID": f"run-{uuid.uuid4()}"},
        start_new_session=True,
    )
    try:
        await eventually(lambda: alive(stray.pid) and alive(bystander.pid), 5, "both started")
        pidfile = tmp_path / f"{run}.pgid"
        pidfile.write_text(str(2**22 + 1))  # a group that does not exist (the dead attempt's)
        assert kill_orphans(pidfile, f"HOOKFLOW_RUN_ID={run}") == 1
        await eventually(lambda: stray.poll() is not None, 5, "the stray process to die")
        assert bystander.poll() is None
    finally:
        for process in (stray, bystander):
            process.kill()
            process.wait(5)
