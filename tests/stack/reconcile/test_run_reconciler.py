"""Runs whose workflow was closed from outside (terminate, cancel, timeout, failure) are closed
by the worker's reconciler, and a relabel then starts a new run (real Temporal + Postgres)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from temporalio.client import Client

from db.engine import SessionFactory
from reconcile.runs import RunReconciler
from settings import Settings
from tests.support.ai_run import REPO, RunStack, labelled_payload
from tests.support.webhooks import deliver

pytestmark = pytest.mark.usefixtures("run_stack_settings")


WAIT_FOR_APPROVAL = {
    "run_phases": "qualify",
    "run_approval_required": True,
    "run_reconcile_interval": "1s",
}


@pytest.fixture
async def reconciler(
    settings: Settings, sessions: SessionFactory, temporal_client: Client
) -> AsyncIterator[None]:
    loop = RunReconciler(
        sessions, temporal_client, interval=settings.run_reconcile_interval.total_seconds()
    )
    task = asyncio.create_task(loop.run_forever())
    yield
    task.cancel()


@pytest.mark.parametrize("extra_settings", [WAIT_FOR_APPROVAL])
@pytest.mark.parametrize(
    ("close", "status", "reason"),
    [
        ("terminate", "FAILED", "workflow terminated (closed by the reconciler): stuck in tests"),
        ("cancel", "CANCELLED", "workflow cancelled (closed by the reconciler)"),
    ],
)
async def test_closed_workflow_closes_run_and_relabel_starts_new_run(
    run_stack: RunStack, reconciler: None, close: str, status: str, reason: str
) -> None:
    api, _, _, bare, temporal_client = run_stack
    number, run_id = await run_stack.label()
    run = await run_stack.wait(run_id, status={"WAITING_APPROVAL"})
    handle = temporal_client.get_workflow_handle(run.workflow_id)
    if close == "terminate":
        await handle.terminate(reason="stuck in tests")
    else:
        await handle.cancel()  # as `temporal workflow cancel` does
    closed = await run_stack.wait(run_id, status={"FAILED", "CANCELLED"}, within=15)
    assert (closed.status, closed.error) == (status, reason)
    assert closed.finished_at is not None

    response = await deliver(api, "issues", labelled_payload(number, str(bare)))
    assert response.status_code == 200, response.text
    new_id = response.json()["runId"]
    assert new_id != run_id
    again = await run_stack.wait(new_id, status={"WAITING_APPROVAL"})
    assert (again.repo, again.issue_number) == (REPO, number)
    await temporal_client.get_workflow_handle(again.workflow_id).terminate(reason="test done")
