"""RunWorkflow end to end: real Temporal + Postgres, FakeGitHub, a bare git remote, echo agent."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from temporalio.api.enums.v1 import EventType, PendingActivityState
from temporalio.client import Client
from temporalio.worker import Replayer

from db.engine import SessionFactory
from settings import Settings
from tests.support.ai_run import (
    REPO,
    UI_URL,
    RunStack,
    artifacts,
    get_run,
    git,
    label_issue,
    marker_comments,
    pending_activities,
    remote_head,
    send_ci,
    wait_run,
)
from tests.support.fakes import FakeGitHub
from tests.support.record_histories import RecordHistory
from tests.support.waiting import eventually
from tests.support.webhooks import auth
from worker import build_worker
from workflows.run.workflow import RunWorkflow

pytestmark = pytest.mark.usefixtures("run_stack_settings")


PHASES = ["qualify", "plan", "implement", "test", "document", "report"]


async def test_labelled_issue_runs_all_phases_to_succeeded(
    run_stack: RunStack, record_history: RecordHistory
) -> None:
    api, sessions, fake_github, bare, temporal_client = run_stack
    number, run_id = await run_stack.label()
    run = await run_stack.succeed(run_id)
    assert run.phase == "report" and run.iteration == 1

    found = await artifacts(sessions, run_id)
    for name in [*PHASES, "issue", "patch", "summary", "log-implement"]:
        assert name in found, sorted(found)
    assert json.loads(found["qualify"].content)["qualified"] is True
    assert "HOOKFLOW_NOTES.md" in found["patch"].content
    listed = (await api.get(f"/api/runs/{run_id}/artifacts", headers=auth())).json()
    assert {a["name"] for a in listed["data"]} == set(found)

    assert marker_comments(fake_github, number, run_id) == {"start": 1, "final": 1}
    start = next(c["body"] for c in fake_github.comments(REPO, number) if "started" in c["body"])
    assert f"{UI_URL}/namespaces/{temporal_client.namespace}/workflows/{run.workflow_id}" in start
    [pull] = fake_github.pulls(REPO)
    assert pull["draft"] is True and pull["head"]["ref"] == run.branch
    assert pull["base"]["ref"] == "main" and f"Refs #{number}" in pull["body"]
    assert run.pr_number == pull["number"]
    assert run.branch and "HOOKFLOW_NOTES.md" in git("ls-tree", "--name-only", run.branch, cwd=bare)

    handle = temporal_client.get_workflow_handle(run.workflow_id)
    progress = await handle.query(RunWorkflow.progress)
    assert (progress.status, progress.phase, progress.iteration) == ("SUCCEEDED", "report", 1)
    attrs = {k.name: v for k, v in (await handle.describe()).typed_search_attributes}
    assert attrs["HookflowStatus"] == "SUCCEEDED" and attrs["HookflowPhase"] == "report"
    # The workflow code replays its own history (no nondeterminism).
    await Replayer(workflows=[RunWorkflow]).replay_workflow(await handle.fetch_history())
    await record_history("run/succeeded_with_pr", run.workflow_id, closed=True)


@pytest.mark.parametrize("extra_settings", [{"run_phase_timeout": "20s"}])
async def test_worker_killed_mid_phase_finishes_without_duplicates(
    api: httpx.AsyncClient,
    sessions: SessionFactory,
    settings: Settings,
    temporal_client: Client,
    fake_github: FakeGitHub,
    bare: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ECHO_AGENT_SLEEP", "4")
    monkeypatch.setenv("ECHO_AGENT_SLEEP_PHASE", "plan")
    first = build_worker(temporal_client, settings, sessions)
    async with first:
        number, run_id = await label_issue(api, fake_github, bare)
        run = await wait_run(sessions, run_id, phase="plan")

        async def running() -> bool:
            return any(
                a.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
                for a in await pending_activities(temporal_client, run.workflow_id)
            )

        await eventually(running, what="the plan phase's activity to run on this worker")
    # The first worker is gone mid-phase; a new one on the same task queue takes over.
    monkeypatch.delenv("ECHO_AGENT_SLEEP")
    async with build_worker(temporal_client, settings, sessions):
        await send_ci(api, sessions, bare, run_id, "success")
        run = await wait_run(sessions, run_id, status={"SUCCEEDED", "FAILED"})
    assert run.status == "SUCCEEDED", run.error
    assert marker_comments(fake_github, number, run_id) == {"start": 1, "final": 1}
    assert len(fake_github.pulls(REPO)) == 1
    assert len(fake_github.requests_to("POST", r"/issues/\d+/comments$")) == 2
    # The plan phase really was cut off and run again by the second worker.
    history = await temporal_client.get_workflow_handle(run.workflow_id).fetch_history()
    # (a lost worker's phase is scheduled again by the workflow, outside the failure budget)
    lost = [
        e
        for e in history.events
        if e.HasField("activity_task_timed_out_event_attributes")
        or e.HasField("activity_task_failed_event_attributes")
    ]
    assert len(lost) >= 1


@pytest.mark.parametrize("extra_settings", [{"run_phase_timeout": "2m"}])
async def test_cancel_during_phase_ends_cancelled_within_seconds(
    run_stack: RunStack, monkeypatch: pytest.MonkeyPatch, record_history: RecordHistory
) -> None:
    api, _, fake_github, _, temporal_client = run_stack
    monkeypatch.setenv("ECHO_AGENT_SLEEP", "60")
    monkeypatch.setenv("ECHO_AGENT_SLEEP_PHASE", "plan")
    number, run_id = await run_stack.label()
    await run_stack.wait(run_id, phase="plan")
    response = await api.post(f"/api/runs/{run_id}/signals/cancel", headers=auth())
    assert response.status_code == 202
    # Far sooner than the agent's 60 s: the running phase is cancelled, not waited for.
    run = await run_stack.wait(run_id, status={"CANCELLED"}, within=10)
    assert run.phase == "plan" and run.finished_at is not None
    history = await temporal_client.get_workflow_handle(run.workflow_id).fetch_history()
    assert [
        e
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED
    ]
    await eventually(
        lambda: marker_comments(fake_github, number, run_id) == {"start": 1, "cancelled": 1},
        what="the cancelled comment",
    )
    assert fake_github.pulls(REPO) == []
    again = await api.post(f"/api/runs/{run_id}/signals/cancel", headers=auth())
    assert again.status_code == 409
    await record_history("run/cancelled_during_phase", run.workflow_id, closed=True)


async def test_ci_failing_twice_then_success_runs_two_fix_iterations(
    run_stack: RunStack, record_history: RecordHistory
) -> None:
    _, sessions, fake_github, bare, _ = run_stack
    number, run_id = await run_stack.label()
    for attempt in (1, 2):
        ci_id = 5000 + attempt
        fake_github.add_workflow_run(
            REPO,
            run_id=ci_id,
            name="CI",
            conclusion="failure",
            jobs=[
                {
                    "id": 7000 + attempt,
                    "name": "pytest",
                    "conclusion": "failure",
                    "steps": [{"name": "Run tests", "conclusion": "failure"}],
                    "logs": f"collected 3 items\nE   AssertionError: boom {attempt}\n",
                }
            ],
        )
        await run_stack.send_ci(run_id, "failure", ci_run_id=ci_id)
    run = await run_stack.succeed(run_id)
    assert run.iteration == 3
    found = await artifacts(sessions, run_id)
    assert "boom 1" in found["ci-failure-1"].content and "boom 2" in found["ci-failure-2"].content
    assert {"implement-iteration-2", "implement-iteration-3", "test-iteration-3"} <= set(found)
    assert json.loads(found["implement-iteration-2"].content)["fixedCi"] is True
    assert run.branch is not None
    notes = git("show", f"{run.branch}:HOOKFLOW_NOTES.md", cwd=bare)
    assert notes.count("fix for CI failure") == 2
    assert len(fake_github.pulls(REPO)) == 1
    assert marker_comments(fake_github, number, run_id) == {"start": 1, "final": 1}
    await record_history("run/ci_failed_twice_then_fixed", run.workflow_id, closed=True)


@pytest.mark.parametrize("extra_settings", [{"run_max_ci_iterations": 2}])
async def test_ci_failing_past_limit_escalates(
    run_stack: RunStack, record_history: RecordHistory
) -> None:
    _, sessions, fake_github, _, _ = run_stack
    number, run_id = await run_stack.label()
    await run_stack.send_ci(run_id, "failure")
    await run_stack.send_ci(run_id, "failure")
    run = await run_stack.wait(run_id, status={"ESCALATED", "SUCCEEDED", "FAILED"})
    assert run.status == "ESCALATED", run.error
    assert "RUN_MAX_CI_ITERATIONS=2" in (run.error or "")
    escalation = json.loads((await artifacts(sessions, run_id))["escalation"].content)
    assert escalation["ciFailures"] == 2 and escalation["prUrl"] == run.pr_url
    assert marker_comments(fake_github, number, run_id) == {"start": 1, "escalated": 1}
    await record_history("run/escalated_after_ci_limit", run.workflow_id, closed=True)


@pytest.mark.parametrize("extra_settings", [{"run_approval_required": True}])
async def test_approval_gate_waits_for_approve(
    run_stack: RunStack, record_history: RecordHistory
) -> None:
    api, sessions, fake_github, bare, temporal_client = run_stack
    _, run_id = await run_stack.label()
    run = await run_stack.wait(run_id, status={"WAITING_APPROVAL"})
    # The workflow itself waits, with no activity left that could push: only a signal moves it.
    handle = temporal_client.get_workflow_handle(run.workflow_id)

    async def parked() -> bool:
        progress = await handle.query(RunWorkflow.progress)
        idle = not await pending_activities(temporal_client, run.workflow_id)
        return bool(progress.status == "WAITING_APPROVAL" and idle)

    await eventually(parked, what="the run to wait for approval with nothing running")
    run = await get_run(sessions, run_id)
    assert run.status == "WAITING_APPROVAL"
    assert run.branch and remote_head(bare, run.branch) is None  # nothing pushed yet
    assert fake_github.pulls(REPO) == []
    response = await api.post(f"/api/runs/{run_id}/signals/approve", headers=auth())
    assert response.status_code == 202
    run = await run_stack.succeed(run_id)
    assert len(fake_github.pulls(REPO)) == 1
    await record_history("run/approved_then_succeeded", run.workflow_id, closed=True)


@pytest.mark.parametrize("extra_settings", [{"run_retry_window": "1m"}])
async def test_failed_phase_waits_for_retry_and_reruns_it(
    run_stack: RunStack, monkeypatch: pytest.MonkeyPatch, record_history: RecordHistory
) -> None:
    api, sessions, fake_github, _, _ = run_stack
    monkeypatch.setenv("ECHO_AGENT_FAIL_PHASE", "test")
    number, run_id = await run_stack.label()
    run = await run_stack.wait(run_id, status={"FAILED"}, within=60)
    assert run.phase == "test" and "phase test" in (run.error or "")
    # The status is mirrored before the failure comment is written: wait for it.
    await eventually(
        lambda: marker_comments(fake_github, number, run_id).get("failure-1") == 1,
        what="the failure comment",
    )
    monkeypatch.delenv("ECHO_AGENT_FAIL_PHASE")
    response = await api.post(f"/api/runs/{run_id}/signals/retry", headers=auth())
    assert response.status_code == 202
    run = await run_stack.succeed(run_id)
    assert "test" in await artifacts(sessions, run_id)
    await record_history("run/failed_phase_retried", run.workflow_id, closed=True)


async def test_rate_limited_comment_waits_retry_after_and_posts_once(run_stack: RunStack) -> None:
    _, _, fake_github, _, temporal_client = run_stack
    # Without the conversion the retry would come after the policy's 1 s initial interval.
    fake_github.fail_next("POST", r"/issues/\d+/comments$", 429, headers={"retry-after": "3"})
    number, run_id = await run_stack.label()
    run = await run_stack.wait(run_id)

    async def backing_off() -> timedelta | None:
        for activity in await pending_activities(temporal_client, run.workflow_id):
            info = activity.last_failure.application_failure_info
            if info.HasField("next_retry_delay"):
                delay: timedelta = info.next_retry_delay.ToTimedelta()
                return delay
        return None

    # Temporal holds the retry for GitHub's Retry-After, as the failed attempt asked it to.
    assert await eventually(backing_off, within=20, what="the comment's retry") == timedelta(
        seconds=3
    )
    await eventually(
        lambda: marker_comments(fake_github, number, run_id).get("start"),
        within=20,
        what="the start comment",
    )
    run = await run_stack.succeed(run_id)
    assert marker_comments(fake_github, number, run_id) == {"start": 1, "final": 1}
