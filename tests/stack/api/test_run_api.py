"""Manual run triggers over HTTP and the CLI: POST /api/runs, POST /api/runs/{id}/signals/{name}."""

from __future__ import annotations

import argparse
import io
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select
from temporalio.client import Client, WorkflowExecutionStatus

from cli.main import build_parser
from cli.runs import run_command
from db.engine import SessionFactory
from db.models import Run, WebhookEvent
from settings import Settings
from tests.support.ai_run import REPO, make_bare_remote, wait_run
from tests.support.app import Stack
from tests.support.fakes import FakeGitHub
from tests.support.webhooks import auth
from workflows.run.workflow import RunWorkflow

pytestmark = pytest.mark.usefixtures("run_stack_settings")


async def start(api: httpx.AsyncClient, number: int = 7, **extra: Any) -> httpx.Response:
    body = {"repo": REPO, "issueNumber": number, "mode": "code", **extra}
    return await api.post("/api/runs", json=body, headers=auth())


async def test_start_run_without_label_returns_202_and_attaches_while_active(
    api: httpx.AsyncClient,
    temporal_client: Client,
    sessions: SessionFactory,
) -> None:
    # No worker: the run stays active (RECEIVED), so a second trigger attaches to it.
    first = await start(api)
    assert first.status_code == 202, first.text
    body = first.json()
    assert body["status"] == "accepted" and body["attached"] is False
    assert body["repo"] == REPO and body["issueNumber"] == 7
    run = await wait_run(sessions, body["runId"], status={"RECEIVED"})
    assert run.workflow_id == body["workflowId"] and run.branch == f"ai/issue-7-{body['runId'][:8]}"
    description = await temporal_client.get_workflow_handle(run.workflow_id).describe()
    assert description.status == WorkflowExecutionStatus.RUNNING
    second = await start(api)
    assert second.status_code == 202
    assert second.json()["runId"] == body["runId"] and second.json()["attached"] is True
    # One path to Temporal: the start is a stored plan, dispatched like a delivery's.
    assert body["dispatch"] == "started"
    async with sessions() as session:
        rows = (
            await session.exec(
                select(WebhookEvent).where(WebhookEvent.event_type == "hookflow_run")
            )
        ).all()
    (row,) = [r for r in rows if run.workflow_id in r.workflow_ids]
    assert row.dispatch_status == "dispatched" and row.action == "api" and row.repo == REPO
    assert [(a["kind"], a["workflow"]) for a in row.dispatch_plan] == [("start", "RunWorkflow")]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"repo": REPO, "issueNumber": 1, "mode": "chat"}, 400),
        ({"repo": "not-a-repo", "issueNumber": 1}, 422),
        ({"repo": REPO}, 422),
    ],
)
async def test_start_run_rejects_bad_body_and_makes_no_run(
    api: httpx.AsyncClient, sessions: SessionFactory, body: dict[str, Any], status: int
) -> None:
    response = await api.post("/api/runs", json=body, headers=auth())
    assert response.status_code == status, response.text
    async with sessions() as session:
        assert (await session.exec(select(Run))).all() == []


async def test_run_endpoints_require_bearer_token(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/runs", json={"repo": REPO, "issueNumber": 1})
    assert response.status_code == 401
    response = await api.post(
        f"/api/runs/{uuid.uuid4()}/signals/cancel", headers={"Authorization": "Bearer wrong"}
    )
    assert response.status_code == 401


async def test_signal_errors_unknown_signal_400_unknown_run_404(api: httpx.AsyncClient) -> None:
    run_id = (await start(api)).json()["runId"]
    response = await api.post(f"/api/runs/{run_id}/signals/merge", headers=auth())
    assert response.status_code == 400 and "approve" in response.json()["detail"]
    response = await api.post(f"/api/runs/{uuid.uuid4()}/signals/cancel", headers=auth())
    assert response.status_code == 404


async def test_signal_running_run_returns_202_and_reaches_workflow(
    api: httpx.AsyncClient,
    temporal_client: Client,
    sessions: SessionFactory,
) -> None:
    run_id = (await start(api)).json()["runId"]
    run = await wait_run(sessions, run_id)
    response = await api.post(f"/api/runs/{run_id}/signals/approve", headers=auth())
    assert response.status_code == 202
    assert response.json() == {
        "status": "sent",
        "runId": run_id,
        "signal": "approve",
        "workflowId": run.workflow_id,
    }
    history = await temporal_client.get_workflow_handle(run.workflow_id).fetch_history()
    signals = [
        e.workflow_execution_signaled_event_attributes.signal_name
        for e in history.events
        if e.HasField("workflow_execution_signaled_event_attributes")
    ]
    assert signals == ["approve"]


async def test_signal_finished_run_returns_409(stack: Stack) -> None:
    api, sessions, _, _ = stack
    # Issue 7 does not exist on (fake) GitHub: the run fails with GitHub's 404 as the reason.
    run_id = (await start(api)).json()["runId"]
    run = await wait_run(sessions, run_id, status={"FAILED", "SUCCEEDED"})
    assert run.status == "FAILED" and "404" in (run.error or ""), run.error
    response = await api.post(f"/api/runs/{run_id}/signals/cancel", headers=auth())
    assert response.status_code == 409
    # Finished: a new trigger starts a new run.
    again = (await start(api)).json()
    assert again["runId"] != run_id and again["attached"] is False


async def test_manual_run_reads_issue_from_github_and_runs_phases(
    stack: Stack, fake_github: FakeGitHub, tmp_path: Path
) -> None:
    api, sessions, temporal_client, _ = stack
    bare = make_bare_remote(tmp_path)
    fake_github.state.repo(REPO).data["clone_url"] = str(bare)  # type: ignore[union-attr]
    issue = fake_github.add_issue(REPO, title="Make the importer resumable")
    response = await start(api, issue["number"])
    assert response.status_code == 202
    run_id = response.json()["runId"]
    run = await wait_run(sessions, run_id, status={"WAITING_CI", "FAILED"})
    assert run.status == "WAITING_CI", run.error
    [pull] = fake_github.pulls(REPO)
    assert "Make the importer resumable" in pull["title"]
    progress = await temporal_client.get_workflow_handle(run.workflow_id).query(
        RunWorkflow.progress
    )
    assert (progress.status, progress.phase, progress.iteration) == ("WAITING_CI", "ci", 1)
    cancel = await api.post(f"/api/runs/{run_id}/signals/cancel", headers=auth())
    assert cancel.status_code == 202
    await wait_run(sessions, run_id, status={"CANCELLED"}, within=10)


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


async def test_cli_run_start_and_signal_use_the_api(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = await run_command(
        parse("run", "start", "--repo", REPO, "--issue", "9"), settings, http=api, out=out, err=err
    )
    assert code == 0, err.getvalue()
    run_id = json.loads(out.getvalue())["runId"]
    out = io.StringIO()
    code = await run_command(
        parse("run", "signal", run_id, "approve"), settings, http=api, out=out, err=err
    )
    assert code == 0 and json.loads(out.getvalue())["signal"] == "approve"
    code = await run_command(
        parse("run", "signal", str(uuid.uuid4()), "cancel"),
        settings,
        http=api,
        out=io.StringIO(),
        err=err,
    )
    assert code == 1 and "run not found" in err.getvalue()
    with pytest.raises(SystemExit):
        parse("run", "signal", run_id, "merge")
