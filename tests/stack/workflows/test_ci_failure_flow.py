"""CI failure → issue, end to end: signed deliveries → API → Temporal → RepoGitHub (issue 5)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlmodel import select
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.worker import Replayer, Worker

from db.engine import SessionFactory
from db.models import WebhookEvent
from ghclient.bodies import MAX_BODY_CHARS
from routing.workflow_ids import ci_failure_workflow_id
from settings import Settings
from tests.support.app import Stack
from tests.support.ci_runs import ERROR_LINE, WORKFLOW, RepoGitHub, add_run, ci_issues, run_payload
from tests.support.record_histories import RecordHistory
from tests.support.waiting import eventually
from tests.support.webhooks import deliver
from workflows.ci_failure import CIFailureInput, CIFailureWorkflow, CIRunEvent
from workflows.registry import WORKFLOWS


@pytest.fixture
def github() -> Iterator[RepoGitHub]:
    fake = RepoGitHub(token="gh-test-token")
    with fake:
        fake.repo = f"acme/widgets-{uuid.uuid4().hex[:8]}"
        fake.add_repo(fake.repo)
        yield fake


@pytest.fixture
def window() -> str:
    return "10d"


@pytest.fixture
def settings_overrides(github: RepoGitHub, window: str) -> dict[str, Any]:
    return {
        "github_api_url": github.url,
        "github_token": "gh-test-token",
        "ci_failure_reopen_window": window,
    }


async def fail(api: httpx.AsyncClient, github: RepoGitHub, run_id: int, **kw: Any) -> None:
    add_run(github, run_id, **kw)
    response = await deliver(api, "workflow_run", run_payload(github.repo, run_id))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "accepted"


async def succeed(api: httpx.AsyncClient, github: RepoGitHub, run_id: int) -> None:
    add_run(github, run_id, conclusion="success")
    payload = run_payload(github.repo, run_id, conclusion="success")
    response = await deliver(api, "workflow_run", payload)
    assert response.status_code == 200, response.text


async def opened_issue(github: RepoGitHub, within: float = 30) -> dict[str, Any]:
    """The first CI-failure issue, once there is one."""
    issues: list[dict[str, Any]] = await eventually(lambda: ci_issues(github), within, "issue")
    return issues[0]


def failure_comments(github: RepoGitHub, number: int) -> list[dict[str, Any]]:
    return [c for c in github.comments(github.repo, number) if "Failed again" in c["body"]]


async def wait_status(
    client: Client, workflow_id: str, status: WorkflowExecutionStatus, within: float = 30
) -> None:
    async def check() -> bool:
        return (await client.get_workflow_handle(workflow_id).describe()).status == status

    await eventually(check, within, f"{workflow_id} {status.name}")


async def settled(client: Client, workflow_id: str, failures: int) -> dict[str, Any]:
    """The failure stream's state once it has handled `failures` failures, holds no event and
    runs no activity: it posts nothing more until the next CI run."""
    handle = client.get_workflow_handle(workflow_id)

    async def check() -> dict[str, Any] | None:
        state: dict[str, Any] = await handle.query(CIFailureWorkflow.state)
        if state["failure_count"] != failures or state["pending"]:
            return None
        busy = (await handle.describe()).raw_description.pending_activities
        return None if busy else state

    state: dict[str, Any] = await eventually(check, what=f"{workflow_id} to settle")
    return state


async def dispatched(sessions: SessionFactory) -> WebhookEvent:
    """The test's one delivery once its plan has run: it starts nothing later."""

    async def check() -> WebhookEvent | None:
        async with sessions() as session:
            [row] = (await session.exec(select(WebhookEvent))).all()
        return row if row.dispatch_status != "pending" else None

    row: WebhookEvent = await eventually(check, what="the delivery's plan to run")
    return row


@pytest.fixture
async def recovered_issue(stack: Stack, github: RepoGitHub) -> int:
    """The number of the issue that a failing CI run (5001) opened and the next run, green
    (5002), closed."""
    await fail(stack.api, github, 5001)
    number = int((await opened_issue(github))["number"])
    await succeed(stack.api, github, 5002)
    await eventually(lambda: github.issue(github.repo, number)["state"] == "closed", what="closed")
    return number


async def test_ten_failures_open_one_issue_with_nine_comments(
    stack: Stack, github: RepoGitHub
) -> None:
    api, _, temporal_client, _ = stack
    for run_id in range(1001, 1011):
        await fail(api, github, run_id)
    issue = await opened_issue(github)
    await eventually(lambda: len(failure_comments(github, issue["number"])) == 9, 60, "9 comments")
    wid = ci_failure_workflow_id(github.repo, WORKFLOW, "main")
    state = await settled(temporal_client, wid, failures=10)
    assert state["issue_open"] is True and state["issue_number"] == issue["number"]
    assert len(ci_issues(github)) == 1
    assert len(failure_comments(github, issue["number"])) == 9
    assert issue["state"] == "open"
    assert issue["title"] == f"CI failure: {WORKFLOW} on main"


async def test_concurrent_failure_deliveries_open_one_issue(
    api: httpx.AsyncClient, worker: Worker, github: RepoGitHub
) -> None:
    await asyncio.gather(*(fail(api, github, run_id) for run_id in range(2001, 2006)))
    issue = await opened_issue(github)
    await eventually(lambda: len(failure_comments(github, issue["number"])) == 4, 60, "4 comments")
    assert len(ci_issues(github)) == 1
    assert len(github.requests_to("POST", rf"/repos/{github.repo}/issues$")) == 1


async def test_failure_issue_has_failing_step_excerpt_and_run_details(
    api: httpx.AsyncClient, worker: Worker, github: RepoGitHub
) -> None:
    await fail(api, github, 3001)
    issue = await opened_issue(github)
    body = issue["body"]
    assert ERROR_LINE in body
    assert "cleanup error" not in body  # the post-job step is not the failure
    assert "<details>" in body
    assert f"https://github.com/{github.repo}/actions/runs/3001" in body
    assert "Run pytest -q" in body
    assert "alice" in body  # the actor


async def test_failure_issue_body_stays_under_github_limit_for_huge_logs(
    api: httpx.AsyncClient, worker: Worker, github: RepoGitHub
) -> None:
    await fail(api, github, 3101, jobs=6, filler_lines=20_000)
    issue = await opened_issue(github, within=60)
    assert len(issue["body"]) <= MAX_BODY_CHARS
    assert ERROR_LINE in issue["body"]


async def test_green_run_comments_and_closes_issue_as_completed(
    github: RepoGitHub, recovered_issue: int
) -> None:
    assert github.issue(github.repo, recovered_issue)["state_reason"] == "completed"
    comments = github.comments(github.repo, recovered_issue)
    assert any("/actions/runs/5002" in c["body"] and "passed" in c["body"] for c in comments)


async def test_green_run_without_open_issue_starts_nothing(
    stack: Stack, github: RepoGitHub
) -> None:
    api, sessions, temporal_client, _ = stack
    await succeed(api, github, 4101)
    wid = ci_failure_workflow_id(github.repo, WORKFLOW, "main")
    event = await dispatched(sessions)
    assert event.dispatch_status == "dispatched"
    assert ci_issues(github) == []
    with pytest.raises(Exception, match="not found"):
        await temporal_client.get_workflow_handle(wid).describe()


@pytest.mark.parametrize("window", ["30s"])
async def test_failure_within_reopen_window_reopens_issue_as_flaky(
    stack: Stack, github: RepoGitHub, recovered_issue: int, record_history: RecordHistory
) -> None:
    api, _, temporal_client, _ = stack
    number = recovered_issue
    await fail(api, github, 5003)
    await eventually(
        lambda: any("Reopened" in c["body"] for c in github.comments(github.repo, number)),
        what="reopen comment",
    )
    reopened = github.issue(github.repo, number)
    assert reopened["state"] == "open"
    assert "flaky" in [label["name"] for label in reopened["labels"]]
    assert len(ci_issues(github)) == 1
    wid = ci_failure_workflow_id(github.repo, WORKFLOW, "main")
    await settled(temporal_client, wid, failures=2)
    await record_history("ci_failure/reopened_as_flaky", wid)


@pytest.mark.parametrize("window", ["2s"])
async def test_failure_after_reopen_window_opens_new_issue(
    stack: Stack, github: RepoGitHub, recovered_issue: int, record_history: RecordHistory
) -> None:
    api, _, temporal_client, _ = stack
    # The workflow ends once the window passes quietly.
    wid = ci_failure_workflow_id(github.repo, WORKFLOW, "main")
    await wait_status(temporal_client, wid, WorkflowExecutionStatus.COMPLETED)
    await record_history("ci_failure/opened_then_recovered_until_window_ended", wid)
    await fail(api, github, 6003)
    await eventually(lambda: len(ci_issues(github)) == 2, what="second issue")
    issues = ci_issues(github)
    assert github.issue(github.repo, recovered_issue)["state"] == "closed"
    assert "flaky" not in [label["name"] for label in issues[1]["labels"]]


async def test_rate_limited_jobs_listing_retries_after_github_delay(
    api: httpx.AsyncClient, worker: Worker, github: RepoGitHub
) -> None:
    github.fail_next(
        "GET", r"/actions/runs/\d+/jobs$", 403, headers=github.rate_limit_headers(reset_in=1)
    )
    github.fail_next("POST", rf"/repos/{github.repo}/issues$", 500)
    await fail(api, github, 7001)
    issue = await opened_issue(github)
    assert ERROR_LINE in issue["body"]
    assert len(github.requests_to("GET", r"/actions/runs/7001/jobs$")) == 2
    # The 500 was retried without a duplicate issue.
    assert len(ci_issues(github)) == 1


async def test_missing_run_still_opens_issue_without_job_details(
    api: httpx.AsyncClient, worker: Worker, github: RepoGitHub
) -> None:
    # No add_run: the jobs listing answers 404, which is not retried.
    response = await deliver(api, "workflow_run", run_payload(github.repo, 7101))
    assert response.status_code == 200
    issue = await opened_issue(github)
    assert "No failed job details" in issue["body"]
    assert len(github.requests_to("GET", r"/actions/runs/7101/jobs$")) == 1


async def test_failure_on_unwatched_branch_is_ignored(stack: Stack, github: RepoGitHub) -> None:
    api, sessions, temporal_client, _ = stack
    add_run(github, 8001, branch="feature/x")
    payload = run_payload(github.repo, 8001, branch="feature/x")
    response = await deliver(api, "workflow_run", payload)
    assert response.status_code == 200
    # Only a CI failure workflow opens issues, and this delivery started none.
    event = await dispatched(sessions)
    assert not [w for w in event.workflow_ids if w.startswith("ci-failure")]
    for branch in ("feature/x", "main"):
        with pytest.raises(Exception, match="not found"):
            await temporal_client.get_workflow_handle(
                ci_failure_workflow_id(github.repo, WORKFLOW, branch)
            ).describe()
    assert ci_issues(github) == []


async def test_many_events_continue_as_new_keeping_one_issue_and_replay(
    worker: Worker,
    github: RepoGitHub,
    temporal_client: Client,
    settings: Settings,
    record_history: RecordHistory,
) -> None:
    wid = ci_failure_workflow_id(github.repo, WORKFLOW, "main")

    def event(run_id: int) -> CIRunEvent:
        add_run(github, run_id)
        return CIRunEvent(
            github.repo,
            WORKFLOW,
            "main",
            run_id,
            f"https://github.com/{github.repo}/actions/runs/{run_id}",
            head_sha=f"{run_id:040x}",
        )

    started = await temporal_client.start_workflow(
        CIFailureWorkflow.run,
        CIFailureInput(github.repo, WORKFLOW, "main", events_per_run=3),
        id=wid,
        task_queue=settings.temporal_task_queue,
        start_signal="run_completed",
        start_signal_args=[event(9001)],
    )
    handle = temporal_client.get_workflow_handle(wid)  # follows continue-as-new
    for run_id in range(9002, 9008):
        await handle.signal(CIFailureWorkflow.run_completed, event(run_id))
    issue = await opened_issue(github)
    await eventually(lambda: len(failure_comments(github, issue["number"])) == 6, 60, "6 comments")
    assert len(ci_issues(github)) == 1
    state = await handle.query(CIFailureWorkflow.state)
    assert state["failure_count"] == 7 and state["issue_open"] is True
    assert state["issue_number"] == issue["number"]
    assert (await handle.describe()).run_id != started.first_execution_run_id
    # The history replays deterministically with the current code.
    first = temporal_client.get_workflow_handle(wid, run_id=started.first_execution_run_id)
    await Replayer(workflows=WORKFLOWS).replay_workflow(await first.fetch_history())
    await record_history("ci_failure/continued_as_new", wid, run_id=started.first_execution_run_id)
