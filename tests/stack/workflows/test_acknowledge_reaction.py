"""A 👀 where a run was asked for, at once, and the outcome in its place at the end (real
Temporal, PostgreSQL and the fake GitHub): on the issue for a label, on the comment for
`/hookflow run`; once per run, also when the worker dies in the middle of leaving it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from db.engine import SessionFactory
from routing.commands import command_workflow_id
from settings import Settings
from tests.support.ai_run import REPO, RunStack, get_run, label_issue, run_settings, wait_run
from tests.support.fakes import FakeGitHub
from tests.support.payloads import comment_payload
from tests.support.waiting import eventually, workflow_result
from tests.support.webhooks import deliver
from tests.support.worker_process import worker_process

REACTIONS = r"/reactions$"


@pytest.fixture
def settings_overrides(
    fake_github: FakeGitHub, tmp_path: Path, extra_settings: dict[str, Any]
) -> dict[str, Any]:
    return run_settings(fake_github, tmp_path, run_phases="qualify", **extra_settings)


def contents(fake: FakeGitHub, number: int, comment_id: int | None = None) -> list[str]:
    return [r["content"] for r in fake.reactions(REPO, number, comment_id)]


@pytest.mark.parametrize("extra_settings", [{"run_approval_required": True}])
async def test_eyes_on_the_issue_while_the_run_works(run_stack: RunStack) -> None:
    fake_github = run_stack.github
    number, run_id = await run_stack.label()
    await run_stack.wait(run_id, status={"WAITING_APPROVAL"})
    [eyes] = fake_github.reactions(REPO, number)
    assert eyes["content"] == "eyes" and eyes["user"]["login"] == "hookflow-bot"


async def test_eyes_give_way_to_the_outcome(run_stack: RunStack) -> None:
    fake_github = run_stack.github
    number, run_id = await run_stack.label()
    run = await run_stack.wait(run_id, status={"SUCCEEDED", "FAILED"})
    assert run.status == "SUCCEEDED", run.error
    assert contents(fake_github, number) == ["rocket"]
    posts = [r.json["content"] for r in fake_github.requests_to("POST", REACTIONS)]
    assert posts == ["eyes", "rocket"]


@pytest.mark.parametrize(
    "extra_settings", [{"run_agent_command": "/bin/false", "run_retry_window": "1s"}]
)
async def test_a_failed_run_ends_confused(run_stack: RunStack) -> None:
    fake_github = run_stack.github
    number, run_id = await run_stack.label()

    async def swapped() -> bool:
        return contents(fake_github, number) == ["confused"]

    await eventually(swapped, within=60, what="👀 swapped for 😕")
    assert (await get_run(run_stack.sessions, run_id)).status == "FAILED"


async def test_hookflow_run_puts_the_eyes_on_the_comment(run_stack: RunStack) -> None:
    api, _, fake_github, _, temporal_client = run_stack
    issue = fake_github.add_issue(REPO, title="t")
    comment = fake_github.add_comment(REPO, issue["number"], "/hookflow run", author="mona")
    payload = comment_payload(REPO, issue["number"], comment["id"], "/hookflow run")
    assert (await deliver(api, "issue_comment", payload)).status_code == 200
    result = await workflow_result(
        temporal_client, command_workflow_id(REPO, "comment", comment["id"])
    )
    assert result["outcome"] == "started"
    await run_stack.wait(result["run_id"], status={"SUCCEEDED", "FAILED"})
    assert contents(fake_github, issue["number"], comment["id"]) == ["rocket"]
    assert contents(fake_github, issue["number"]) == []


@pytest.mark.parametrize("extra_settings", [{"run_approval_required": True}])
async def test_eyes_appear_once_when_the_worker_dies_while_leaving_them(
    api: httpx.AsyncClient,
    sessions: SessionFactory,
    fake_github: FakeGitHub,
    bare: Path,
    settings: Settings,
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    log = tmp_path / "worker.log"
    # GitHub takes its time with the first 👀: the worker dies while the request is open.
    fake_github.delay("POST", REACTIONS, 3.0, times=1)
    with worker_process(settings, log, home=home) as first:
        number, run_id = await label_issue(api, fake_github, bare)

        async def asked() -> bool:
            return bool(fake_github.requests_to("POST", REACTIONS))

        await eventually(asked, within=30, what="the first 👀 request")
        first.kill()
    with worker_process(settings, log, home=home):
        await wait_run(sessions, run_id, status={"WAITING_APPROVAL"}, within=90)
        [eyes] = fake_github.reactions(REPO, number)
        assert eyes["content"] == "eyes"
        # The retry looked first: at most the interrupted request and, had GitHub not taken
        # it yet, one more (which GitHub answers with the existing reaction).
        assert 1 <= len(fake_github.requests_to("POST", REACTIONS)) <= 2
        assert len(fake_github.requests_to("GET", REACTIONS)) >= 2
