"""The embedded default that scripts/run.sh starts: SQLite (via devstack.up) under the real
API, dispatcher and worker on the Temporal dev server — ingest, redelivery, dispatch, the runs
API and one notification end to end."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select
from temporalio.client import WorkflowExecutionStatus

from db.engine import SessionFactory
from db.models import Notification, Run, WebhookEvent
from routing.workflow_ids import notification_workflow_id
from tests.support.app import Stack
from tests.support.fakes.sinks import FakeAIMaestro, FakeChatWebhook
from tests.support.files import load_fixture
from tests.support.sqlite_default import sqlite_default_url
from tests.support.waiting import eventually, runs_listed
from tests.support.webhooks import auth, deliver, signed_headers

AI_RUN = "events/issues_labeled_ai_run.json"
PR_OPENED = "events/pull_request.opened.json"


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return sqlite_default_url(tmp_path, monkeypatch)


@pytest.fixture
def settings_overrides(maestro: FakeAIMaestro, chat: FakeChatWebhook) -> dict[str, Any]:
    return {"aimaestro_url": maestro.url, "notify_webhook_url": chat.url}


async def rows(sessions: SessionFactory, model: Any) -> list[Any]:
    async with sessions() as session:
        return list((await session.exec(select(model))).all())


async def finished_run(api: httpx.AsyncClient, run_id: str) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        body: dict[str, Any] = (await api.get(f"/api/runs/{run_id}", headers=auth())).json()
        return body if body.get("status") in {"SUCCEEDED", "FAILED"} else None

    result: dict[str, Any] = await eventually(done, what=f"run {run_id} to finish")
    return result


async def test_sqlite_default_ingests_dispatches_and_serves_the_run(stack: Stack) -> None:
    api, sessions, temporal_client, settings = stack
    assert settings.database_url.startswith("sqlite")
    response = await deliver(api, "issues", load_fixture(AI_RUN))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "accepted" and body["issueNumber"] == 42
    # The dispatcher (no row locks on SQLite) starts the run's workflow; it fails fast on the
    # missing agent setting and records that.
    run = await finished_run(api, body["runId"])
    assert run["status"] == "FAILED" and "RUN_AGENT" in run["error"]
    handle = temporal_client.get_workflow_handle(run["workflowId"])
    # The run row says FAILED as soon as the workflow records it; the workflow closes just after.
    await asyncio.wait_for(handle.result(), 30)
    description = await handle.describe()
    assert description.status == WorkflowExecutionStatus.COMPLETED
    [event] = await rows(sessions, WebhookEvent)
    assert event.signature_valid and event.dispatch_status == "dispatched"
    assert event.workflow_ids == [run["workflowId"]]

    listed = (
        await api.get("/api/runs", params={"repo": "octo-org/octo-repo"}, headers=auth())
    ).json()
    assert listed["count"] == 1 and listed["data"][0]["runId"] == body["runId"]
    other = (await api.get("/api/runs", params={"repo": "o/none"}, headers=auth())).json()
    assert other["count"] == 0
    artifacts = (await api.get(f"/api/runs/{body['runId']}/artifacts", headers=auth())).json()
    assert artifacts["count"] >= 1 and "Add a retry" in artifacts["data"][0]["content"]
    assert (await api.get("/api/runs")).status_code == 401


async def test_sqlite_default_redelivery_records_once_and_starts_one_workflow(stack: Stack) -> None:
    api, sessions, temporal_client, _ = stack
    delivery = str(uuid.uuid4())
    payload = load_fixture(AI_RUN)
    responses = await asyncio.gather(
        *(deliver(api, "issues", payload, delivery=delivery) for _ in range(5))
    )
    assert {r.status_code for r in responses} == {200}, [r.text for r in responses]
    assert len({r.text for r in responses}) == 1
    run = await finished_run(api, responses[0].json()["runId"])
    again = await deliver(api, "issues", payload, delivery=delivery)
    assert again.json() == responses[0].json()
    assert len(await rows(sessions, Run)) == 1
    assert len(await rows(sessions, WebhookEvent)) == 1
    assert await runs_listed(temporal_client, run["workflowId"]) == 1


async def test_sqlite_default_bad_signature_is_401_and_recorded(
    api: httpx.AsyncClient,
    sessions: SessionFactory,
) -> None:
    body = b'{"action": "labeled"}'
    headers = signed_headers(body, "issues", secret="not-the-secret")
    response = await api.post("/api/webhooks/github", content=body, headers=headers)
    assert response.status_code == 401
    [event] = await rows(sessions, WebhookEvent)
    assert event.signature_valid is False and await rows(sessions, Run) == []


async def test_sqlite_default_sends_a_notification_to_every_sink(
    stack: Stack, maestro: FakeAIMaestro, chat: FakeChatWebhook
) -> None:
    api, sessions, temporal_client, _ = stack
    delivery = str(uuid.uuid4())
    response = await deliver(api, "pull_request", load_fixture(PR_OPENED), delivery=delivery)
    assert response.json()["notifications"] == [{"type": "pr_created", "priority": "medium"}]
    workflow_id = notification_workflow_id(delivery, 0)
    handle = temporal_client.get_workflow_handle(workflow_id)
    await eventually(lambda: rows(sessions, Notification), what="the notification row")
    result = await handle.result()
    assert result["sinks"] == {"logfile": "sent", "aimaestro": "sent", "chat": "sent"}
    assert len(maestro.messages) == 1 and len(chat.bodies) == 1
    [row] = await rows(sessions, Notification)
    assert row.delivery_id == delivery and row.workflow_id == workflow_id
    assert {k: v["status"] for k, v in row.sink_status.items()} == {
        "logfile": "sent",
        "aimaestro": "sent",
        "chat": "sent",
    }
