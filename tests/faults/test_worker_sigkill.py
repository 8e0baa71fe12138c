"""Worker SIGKILL faults on the real stack (a separate `python worker.py`, real Temporal and
PostgreSQL, fake GitHub): agents die with the worker, crashes during a phase do not use up its
failure budget, and a write cut off by a crash is retried within seconds without duplicates."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.api.enums.v1 import TimeoutType
from temporalio.client import Client, WorkflowHandle

from db.engine import SessionFactory
from settings import Settings
from tests.support.ai_run import REPO, get_run, label_issue, marker_comments, send_ci, wait_run
from tests.support.fakes import FakeGitHub
from tests.support.processes import alive, ancestors, describe, processes_of
from tests.support.waiting import eventually, retried_after_timeout
from tests.support.worker_process import WorkerProcess, worker_process

# A minute of faults: parallel runs start it first. On the run stack's settings.
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("run_stack_settings")]

CRASHES = 3


@pytest.fixture
def extra_settings() -> dict[str, Any]:
    # A 20 s phase timeout gives a 2 s heartbeat timeout: a lost phase is retried quickly.
    return {"run_phase_timeout": "20s"}


# `python worker.py` processes of one test: they share a log and a home directory.
Spawn = Callable[..., AbstractContextManager[WorkerProcess]]


@pytest.fixture
def spawn(settings: Settings, tmp_path: Path) -> Spawn:
    home = tmp_path / "home"
    home.mkdir()
    return functools.partial(worker_process, settings, tmp_path / "worker.log", home=home)


def hosting(workers: list[WorkerProcess], run_id: str) -> tuple[WorkerProcess, list[int]] | None:
    """The one worker whose children run the run's agent, with those processes; None while no
    worker or more than one does (a phase moving between workers)."""
    run = processes_of(run_id)
    hosts = [(w, pids) for w in workers if (pids := [p for p in run if w.pid in ancestors(p)])]
    return hosts[0] if len(hosts) == 1 else None


async def test_worker_killed_three_times_in_a_phase_kills_agents_and_still_succeeds(
    api: httpx.AsyncClient,
    sessions: SessionFactory,
    fake_github: FakeGitHub,
    bare: Path,
    spawn: Spawn,
) -> None:
    sleepy = {"ECHO_AGENT_SLEEP": "60", "ECHO_AGENT_SLEEP_PHASE": "plan"}
    with ExitStack() as stack:

        def start(env: dict[str, str]) -> WorkerProcess:
            return stack.enter_context(spawn(extra_env=env))

        live = [start(sleepy)]
        number, run_id = await label_issue(api, fake_github, bare)
        for _ in range(CRASHES):
            await wait_run(sessions, run_id, phase="plan")
            # The next worker polls before the phase's worker dies: it takes the phase over.
            live.append(start(sleepy))
            # The worker running the phase now: on a loaded machine a missed heartbeat (2 s
            # here) can already have moved it to the new one.
            host, agents = await eventually(
                lambda: hosting(live, run_id), what="one worker running the plan phase", within=30
            )
            host.kill()
            live.remove(host)
            # The agent (and its sandbox) die with the worker instead of writing on.
            try:
                await eventually(
                    lambda pids=agents: not any(alive(p) for p in pids),  # type: ignore[misc]
                    what="the agent dying with its worker",
                    within=5,
                )
            except AssertionError as exc:
                left = "\n".join(describe(p) for p in agents)
                raise AssertionError(f"{exc} (worker {host.pid}):\n{left}") from None
        # A worker whose agent answers at once; the sleepy ones go (one more lost worker).
        live.append(start({}))
        for worker in live[:-1]:
            worker.kill()
        await send_ci(api, sessions, bare, run_id, "success")
        run = await wait_run(sessions, run_id, status={"SUCCEEDED", "FAILED"})
    assert run.status == "SUCCEEDED", run.error
    assert marker_comments(fake_github, number, run_id) == {"start": 1, "final": 1}
    assert len(fake_github.pulls(REPO)) == 1


async def heartbeat_retried(handle: WorkflowHandle[Any, Any], activity_type: str) -> bool:
    retried = await retried_after_timeout(handle, TimeoutType.TIMEOUT_TYPE_HEARTBEAT)
    return activity_type in retried


async def test_worker_killed_during_github_writes_retries_fast_without_duplicates(
    api: httpx.AsyncClient,
    sessions: SessionFactory,
    fake_github: FakeGitHub,
    bare: Path,
    spawn: Spawn,
    temporal_client: Client,
) -> None:
    # GitHub takes 2 s to answer the first comment and the first PR: the worker dies meanwhile,
    # after GitHub has the request (the write lands, the answer is lost).
    fake_github.delay("POST", r"/issues/\d+/comments$", 2, times=1)
    fake_github.delay("POST", r"/pulls$", 2, times=1)
    number, run_id = await label_issue(api, fake_github, bare)
    handle = temporal_client.get_workflow_handle((await get_run(sessions, run_id)).workflow_id)
    writes = [
        (r"/issues/\d+/comments$", "run_github.comment"),
        (r"/pulls$", "run_github.open_pull"),
    ]
    for path, activity_type in writes:
        with spawn() as worker:
            await eventually(
                lambda p=path: fake_github.requests_to("POST", p) != [],  # type: ignore[misc]
                what=f"a POST to {path}",
                within=60,
            )
            worker.kill()
            seen = len(fake_github.requests)
        with spawn():
            # The workflow waits on that write alone: the next request to GitHub is its retry,
            # after the heartbeat timeout rather than the 60 s start-to-close timeout.
            await eventually(
                lambda n=seen: len(fake_github.requests) > n,  # type: ignore[misc]
                what=f"the retry of the write to {path}",
                within=30,
            )
            # …because the dead worker stopped heartbeating (not after the start-to-close
            # timeout): the retried attempt starts with a heartbeat timeout as its last failure.
            await eventually(
                lambda t=activity_type: heartbeat_retried(handle, t),  # type: ignore[misc]
                what=f"{activity_type} started again after a heartbeat timeout",
            )
            if path.endswith("pulls$"):
                await send_ci(api, sessions, bare, run_id, "success")
                run = await wait_run(sessions, run_id, status={"SUCCEEDED", "FAILED"})
    assert run.status == "SUCCEEDED", run.error
    assert marker_comments(fake_github, number, run_id) == {"start": 1, "final": 1}
    assert len(fake_github.pulls(REPO)) == 1
