"""Slash commands and PR-comment feedback on the real stack (FakeGitHub, echo agent): each acts
once, only for owners/members/collaborators, and answers with one comment."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.worker import Replayer

from db.engine import SessionFactory
from db.models import Run
from routing.commands import command_workflow_id
from tests.support.ai_run import (
    REPO,
    UI_URL,
    RunStack,
    get_run,
    label_issue,
    run_settings,
    wait_run,
)
from tests.support.fakes import FakeGitHub
from tests.support.payloads import comment_payload
from tests.support.record_histories import RecordHistory
from tests.support.waiting import eventually
from tests.support.webhooks import deliver
from workflows.commands import CommandWorkflow
from workflows.run.workflow import RunWorkflow

_ids = itertools.count(70_001)


@pytest.fixture
def settings_overrides(
    fake_github: FakeGitHub, tmp_path: Path, extra_settings: dict[str, Any]
) -> dict[str, Any]:
    return run_settings(fake_github, tmp_path, run_phases="implement,report", **extra_settings)


async def comment(
    api: httpx.AsyncClient,
    client: Client,
    number: int,
    body: str,
    *,
    association: str = "MEMBER",
    on_pull: bool = False,
    comment_id: int | None = None,
    delivery: str | None = None,
) -> int:
    """Deliver an issue_comment and wait until its CommandWorkflow has finished."""
    item_id = comment_id or next(_ids)
    payload = comment_payload(REPO, number, item_id, body, association=association, on_pull=on_pull)
    response = await deliver(api, "issue_comment", payload, delivery=delivery)
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    handle = client.get_workflow_handle(command_workflow_id(REPO, "comment", item_id))

    async def started() -> bool:
        try:
            await handle.describe()  # the dispatcher starts it just after the reply
        except RPCError:
            return False
        return True

    await eventually(started, within=30, what=f"the command workflow for comment {item_id}")
    await handle.result()
    return item_id


def command_id(item_id: int) -> str:
    return command_workflow_id(REPO, "comment", item_id)


def replies(fake: FakeGitHub, number: int, item_id: int) -> list[str]:
    return [
        c["body"]
        for c in fake.comments(REPO, number)
        if f"hookflow:run-command-comment-{item_id} " in c["body"]
    ]


@pytest.mark.parametrize("extra_settings", [{"run_approval_required": True}])
async def test_commands_on_issue_act_once_and_only_when_authorised(
    run_stack: RunStack, record_history: RecordHistory
) -> None:
    api, _, fake_github, _, temporal_client = run_stack
    number, run_id = await run_stack.label()
    run = await run_stack.wait(run_id, status={"WAITING_APPROVAL"})

    item = await comment(api, temporal_client, number, "/hookflow status", association="OWNER")
    [status] = replies(fake_github, number, item)
    assert "**WAITING_APPROVAL**" in status and "phase: approval" in status
    assert "iteration: 1" in status
    assert f"{UI_URL}/namespaces/{temporal_client.namespace}/workflows/{run.workflow_id}" in status
    await record_history("commands/status", command_id(item))

    item = await comment(api, temporal_client, number, "/hookflow approve", association="NONE")
    [polite] = replies(fake_github, number, item)
    assert "only from repository owners, members and collaborators" in polite
    await record_history("commands/unauthorised", command_id(item))
    item = await comment(api, temporal_client, number, "/hookflow deploy now")
    [unknown] = replies(fake_github, number, item)
    assert "does not know `/hookflow deploy`" in unknown and "/hookflow retry" in unknown
    await record_history("commands/unknown", command_id(item))
    progress = await temporal_client.get_workflow_handle(run.workflow_id).query(
        RunWorkflow.progress
    )
    assert progress.status == "WAITING_APPROVAL", "refused commands changed nothing"

    item = await comment(api, temporal_client, number, "/hookflow approve")
    await run_stack.wait(run_id, status={"WAITING_CI"})
    assert "`approve` sent" in replies(fake_github, number, item)[0]
    await record_history("commands/approve_signals_run", command_id(item))
    # The same comment delivered again (a new delivery id): its workflow already ran.
    await comment(api, temporal_client, number, "/hookflow approve", comment_id=item)
    assert len(replies(fake_github, number, item)) == 1

    item = await comment(
        api, temporal_client, number, "/hookflow cancel", association="COLLABORATOR"
    )
    assert (await run_stack.wait(run_id, status={"CANCELLED"})).status == "CANCELLED"
    await temporal_client.get_workflow_handle(run.workflow_id).result()
    await record_history("run/approved_then_cancelled_waiting_ci", run.workflow_id)
    item = await comment(api, temporal_client, number, "/hookflow retry")
    assert "is CANCELLED and no longer takes `retry`" in replies(fake_github, number, item)[0]
    await record_history("commands/retry_not_running", command_id(item))
    history = await temporal_client.get_workflow_handle(
        command_workflow_id(REPO, "comment", item)
    ).fetch_history()
    await Replayer(workflows=[CommandWorkflow]).replay_workflow(history)


async def test_run_command_starts_one_run_on_issue(
    run_stack: RunStack, record_history: RecordHistory
) -> None:
    api, sessions, fake_github, bare, temporal_client = run_stack
    fake_github.state.repo(REPO).data["clone_url"] = str(bare)  # type: ignore[union-attr]
    issue = fake_github.add_issue(REPO, title="Please add retries")
    number = issue["number"]
    delivery = "run-command-delivery-1"
    item = await comment(api, temporal_client, number, "/hookflow run", delivery=delivery)
    await comment(
        api, temporal_client, number, "/hookflow run", comment_id=item, delivery=delivery
    )  # redelivered: answers what it answered
    run = await wait_run_for_issue(sessions, number)
    await run_stack.wait(str(run), status={"WAITING_CI"})
    starts = [c for c in fake_github.comments(REPO, number) if "started AI run" in c["body"]]
    assert len(starts) == 1 and str(run) in starts[0]["body"]
    await record_history("commands/run_starts_run", command_id(item))

    attached = await comment(api, temporal_client, number, "/hookflow run")
    assert "already WAITING_CI" in replies(fake_github, number, attached)[0]
    await record_history("commands/run_attached_to_active_run", command_id(attached))


async def wait_run_for_issue(sessions: SessionFactory, number: int) -> Any:

    async def find() -> Any:
        async with sessions() as session:
            rows = (await session.exec(select(Run).where(Run.issue_number == number))).all()
            assert len(rows) <= 1, rows
            return rows[0].id if rows else None

    return await eventually(find, within=30, what=f"a run for issue {number}")


async def test_pr_comment_feedback_while_waiting_ci_runs_implement_again(
    run_stack: RunStack, record_history: RecordHistory
) -> None:
    api, sessions, fake_github, bare, temporal_client = run_stack
    run_id, run = await run_with_pull(api, sessions, fake_github, bare)
    assert run.pr_number is not None
    feedback = await comment(
        api, temporal_client, run.pr_number, "@hookflow please also log it", on_pull=True
    )
    await record_history("commands/feedback_signals_run", command_id(feedback))
    await run_stack.wait(run_id, status={"WAITING_CI"}, within=60)
    await eventually_iteration(sessions, run_id, 2)
    acks = [
        c
        for c in fake_github.comments(REPO, run.pr_number)
        if "working on the feedback from @mona" in c["body"]
    ]
    assert len(acks) == 1 and "iteration 2 of at most 5" in acks[0]["body"]
    item = await comment(
        api,
        temporal_client,
        run.pr_number,
        "@hookflow nice",
        on_pull=True,
        association="CONTRIBUTOR",
    )
    assert "only from repository owners" in replies(fake_github, run.pr_number, item)[0]
    run = await run_stack.succeed(run_id)
    assert run.iteration == 2
    await record_history("run/feedback_while_waiting_ci", run.workflow_id, closed=True)


async def run_with_pull(
    api: httpx.AsyncClient, sessions: SessionFactory, fake: FakeGitHub, bare: Path
) -> tuple[str, Run]:
    """A labelled issue's run, once it waits for CI on its draft PR."""
    _, run_id = await label_issue(api, fake, bare)
    return run_id, await wait_run(sessions, run_id, status={"WAITING_CI"})


async def eventually_iteration(sessions: SessionFactory, run_id: str, iteration: int) -> None:
    async def reached() -> bool:
        run = await get_run(sessions, run_id)
        return run.iteration >= iteration and run.status == "WAITING_CI"

    await eventually(reached, within=60, what=f"iteration {iteration} waiting for CI")


@pytest.mark.parametrize("extra_settings", [{"run_max_iterations": 1}])
async def test_feedback_past_max_iterations_is_declined_once(run_stack: RunStack) -> None:
    api, sessions, fake_github, bare, temporal_client = run_stack
    run_id, run = await run_with_pull(api, sessions, fake_github, bare)
    pr = run.pr_number
    assert pr is not None
    await comment(api, temporal_client, pr, "@hookflow one more change", on_pull=True)

    def declined() -> list[str]:
        return [
            c["body"]
            for c in fake_github.comments(REPO, pr)
            if "has used 1 of 1 iterations" in c["body"]
        ]

    await eventually(declined, within=30, what="the iteration-limit comment")
    handle = temporal_client.get_workflow_handle(run.workflow_id)

    async def waiting_again() -> bool:
        progress = await handle.query(RunWorkflow.progress)
        assert progress.iteration == 1, "declined feedback runs nothing"
        return progress.status == "WAITING_CI"

    await eventually(waiting_again, within=30, what="the run back in WAITING_CI")
    run = await run_stack.succeed(run_id)
    assert run.iteration == 1 and len(declined()) == 1
