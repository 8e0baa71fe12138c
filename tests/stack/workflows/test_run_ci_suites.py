"""A run in WAITING_CI decides on its commit only when every check suite GitHub reports for it
has completed (real Temporal + Postgres, FakeGitHub's check-suites endpoint, a bare remote)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.ai_run import (
    REPO,
    RunStack,
    artifacts,
    ci_payload,
    get_run,
    remote_head,
)
from tests.support.payloads import check_suite_payload
from tests.support.waiting import eventually
from tests.support.webhooks import deliver
from workflows.run.workflow import RunWorkflow

pytestmark = pytest.mark.usefixtures("run_stack_settings")


async def check_suite_event(
    api: httpx.AsyncClient, branch: str, sha: str, app: str, conclusion: str
) -> None:
    suite = {"status": "completed", "app": {"name": app, "slug": app.lower()}}
    payload = check_suite_payload(REPO, branch, sha, conclusion, suite_id=77, **suite)
    response = await deliver(api, "check_suite", payload)
    assert response.status_code == 200, response.text


async def test_run_waits_for_all_check_suites_then_a_late_failure_starts_the_fix_loop(
    run_stack: RunStack,
) -> None:
    api, sessions, fake_github, bare, temporal_client = run_stack
    _, run_id = await run_stack.label()
    run = await run_stack.wait(run_id, status={"WAITING_CI"})
    assert run.branch
    sha = remote_head(bare, run.branch)
    assert sha
    fake_github.add_check_suite(REPO, head_sha=sha, app="GitHub Actions")
    buildkite = fake_github.add_check_suite(
        REPO, head_sha=sha, app="Buildkite", status="in_progress", conclusion=None
    )
    fake_github.add_check_suite(
        REPO, head_sha=sha, app="Dependabot", status="queued", conclusion=None, check_runs=0
    )
    handle = temporal_client.get_workflow_handle(run.workflow_id)

    # Actions is green, Buildkite still runs: the run keeps waiting and says on what.
    await deliver(api, "workflow_run", ci_payload(run.branch, sha, "success"))

    async def waiting_on_buildkite() -> bool:
        progress = await handle.query(RunWorkflow.progress)
        return progress.status == "WAITING_CI" and progress.ci_pending == ["Buildkite"]

    await eventually(waiting_on_buildkite, what="the run to wait for Buildkite")
    assert (await get_run(sessions, run_id)).status == "WAITING_CI"

    # Buildkite fails later: the run goes back to implement (iteration 2) on a new commit.
    fake_github.update_check_suite(buildkite, status="completed", conclusion="failure")
    await check_suite_event(api, run.branch, sha, "Buildkite", "failure")
    await eventually(lambda: remote_head(bare, run.branch or "") != sha, 60, "a new push")
    again = await run_stack.wait(run_id, status={"WAITING_CI"})
    assert again.iteration == 2
    found = await artifacts(sessions, run_id)
    assert "'Buildkite' concluded failure" in found["ci-failure-1"].content

    # Every suite of the new commit passes: the run succeeds.
    new_sha = remote_head(bare, run.branch)
    assert new_sha
    fake_github.add_check_suite(REPO, head_sha=new_sha, app="GitHub Actions")
    fake_github.add_check_suite(REPO, head_sha=new_sha, app="Buildkite")
    await deliver(api, "workflow_run", ci_payload(run.branch, new_sha, "success"))
    done = await run_stack.wait(run_id, status={"SUCCEEDED", "FAILED"})
    assert done.status == "SUCCEEDED", done.error
    suites_asked = fake_github.requests_to("GET", rf"/commits/({sha}|{new_sha})/check-suites$")
    assert len(suites_asked) >= 3
