"""The webhook endpoint end to end on real PostgreSQL and a real Temporal dev server."""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select
from temporalio.client import Client, WorkflowExecutionStatus

from db.engine import SessionFactory
from db.models import Run, WebhookEvent
from delivery.signature import sign
from settings import Settings
from tests.support.ai_run import agent_settings as run_agent_settings
from tests.support.ai_run import git, make_bare_remote, remote_head
from tests.support.app import Stack, serve
from tests.support.files import load_fixture
from tests.support.waiting import eventually, runs_listed
from tests.support.webhooks import SECRET, auth, deliver, signed_headers

AI_RUN = "events/issues_labeled_ai_run.json"


async def events(sessions: SessionFactory) -> list[WebhookEvent]:
    async with sessions() as session:
        return list((await session.exec(select(WebhookEvent))).all())


async def runs(sessions: SessionFactory) -> list[Run]:
    async with sessions() as session:
        return list((await session.exec(select(Run))).all())


async def wait_for_run_status(
    api: httpx.AsyncClient, run_id: str, wanted: set[str], within: float = 30
) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        body: dict[str, Any] = (await api.get(f"/api/runs/{run_id}", headers=auth())).json()
        return body if body.get("status") in wanted else None

    found: dict[str, Any] = await eventually(check, within, f"run {run_id} to reach {wanted}")
    return found


@pytest.mark.parametrize(
    ("case", "mutate"),
    [
        ("flipped-byte", lambda body, h: (body[:-2] + b"X}", h)),
        (
            "missing-header",
            lambda body, h: (body, {k: v for k, v in h.items() if k != "X-Hub-Signature-256"}),
        ),
        (
            "sha1-only",
            lambda body, h: (
                body,
                {
                    **{k: v for k, v in h.items() if k != "X-Hub-Signature-256"},
                    "X-Hub-Signature": "sha1=" + "0" * 40,
                },
            ),
        ),
        (
            "wrong-prefix",
            lambda body, h: (
                body,
                {**h, "X-Hub-Signature-256": h["X-Hub-Signature-256"].replace("sha256=", "sha1=")},
            ),
        ),
    ],
)
async def test_deliver_rejects_bad_signature_with_401_and_records_it(
    api: httpx.AsyncClient, sessions: SessionFactory, case: str, mutate: Any
) -> None:
    body = json.dumps(load_fixture(AI_RUN)).encode()
    body, headers = mutate(body, signed_headers(body, "issues"))
    response = await api.post("/api/webhooks/github", content=body, headers=headers)
    assert response.status_code == 401, case
    assert response.json()["status"] == "rejected"
    rows = await events(sessions)
    assert len(rows) == 1
    row = rows[0]
    assert row.signature_valid is False
    assert row.payload == {}  # unauthenticated senders store nothing of their body
    assert row.dedupe_key is None
    expected = sign(body, SECRET.encode()).removeprefix("sha256=")
    assert expected not in json.dumps(response.json()) and expected not in (row.error or "")
    assert await runs(sessions) == []


@pytest.mark.parametrize("settings_overrides", [{"github_webhook_secret_previous": "old-secret-1"}])
async def test_deliver_accepts_both_secrets_during_rotation(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    payload = {"zen": "Keep it logically awesome.", "hook_id": 1}
    for secret in (SECRET, "old-secret-1"):
        response = await deliver(api, "ping", payload, secret=secret)
        assert response.status_code == 200, secret
    response = await deliver(api, "ping", payload, secret="retired-secret")
    assert response.status_code == 401
    assert [r.signature_valid for r in await events(sessions)].count(True) == 2


async def test_deliver_ai_run_completes_workflow_end_to_end(stack: Stack) -> None:
    api, sessions, temporal_client, _ = stack
    response = await deliver(api, "issues", load_fixture(AI_RUN))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "runId", "repo", "issueNumber"}
    assert body["status"] == "accepted"
    assert body["repo"] == "octo-org/octo-repo"
    assert body["issueNumber"] == 42
    run = await wait_for_run_status(api, body["runId"], {"SUCCEEDED", "FAILED"})
    # No agent is configured here: the run fails fast naming the setting (issue 3).
    assert run["status"] == "FAILED" and "RUN_AGENT" in run["error"]
    assert run["mode"] == "code"
    assert run["title"] == "Add a retry to the importer"
    handle = temporal_client.get_workflow_handle(run["workflowId"])
    # The run row says FAILED as soon as the workflow records it; the workflow closes just after.
    await asyncio.wait_for(handle.result(), 30)
    description = await handle.describe()
    assert description.status == WorkflowExecutionStatus.COMPLETED
    attrs = {k.name: v for k, v in description.typed_search_attributes}
    assert attrs["HookflowRepo"] == "octo-org/octo-repo"
    assert attrs["HookflowIssueNumber"] == 42
    assert attrs["HookflowStatus"] == "FAILED"
    assert (await description.memo())["issue"] == 42
    artifacts = (await api.get(f"/api/runs/{body['runId']}/artifacts", headers=auth())).json()
    assert artifacts["count"] >= 1
    assert "Add a retry" in artifacts["data"][0]["content"]
    [row] = await events(sessions)
    assert row.signature_valid and row.event_type == "issues" and row.action == "labeled"
    assert row.dispatch_status == "dispatched"
    assert row.workflow_ids == [run["workflowId"]]
    assert row.payload["issue"]["number"] == 42


@pytest.mark.parametrize(
    ("event", "mutate", "reason"),
    [
        ("star", lambda p: p, "not an issues event"),  # push is a seed-002 event now
        ("issues", lambda p: {**p, "label": {"name": "bug"}}, "label is not ai:run"),
        ("issues", lambda p: {**p, "label": {"name": "AI:RUN"}}, "label is not ai:run"),
        ("issues", lambda p: {**p, "action": "opened"}, "action is not labeled"),
    ],
)
async def test_deliver_ignores_other_events_with_seed_reason(
    api: httpx.AsyncClient, sessions: SessionFactory, event: str, mutate: Any, reason: str
) -> None:
    payload = mutate(copy.deepcopy(load_fixture(AI_RUN)))
    response = await deliver(api, event, payload)
    assert response.status_code == 200
    assert response.json() == {"status": "ignored", "reason": reason}
    [row] = await events(sessions)
    assert row.dispatch_status == "ignored" and row.signature_valid
    assert await runs(sessions) == []


async def test_deliver_ping_is_recorded(api: httpx.AsyncClient, sessions: SessionFactory) -> None:
    response = await deliver(api, "ping", {"zen": "Design for failure.", "hook_id": 7})
    assert response.status_code == 200
    [row] = await events(sessions)
    assert row.event_type == "ping" and row.payload["zen"] == "Design for failure."


async def test_deliver_missing_event_header_is_400_and_recorded(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    body = b'{"action": "labeled"}'
    headers = signed_headers(body, "issues")
    del headers["X-GitHub-Event"]
    response = await api.post("/api/webhooks/github", content=body, headers=headers)
    assert response.status_code == 400
    assert "X-GitHub-Event" in response.json()["reason"]
    [row] = await events(sessions)
    assert row.signature_valid and row.dispatch_status == "rejected"


async def test_deliver_malformed_json_is_400_and_recorded(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    body = b'{"action": "labeled", '
    response = await api.post(
        "/api/webhooks/github", content=body, headers=signed_headers(body, "issues")
    )
    assert response.status_code == 400
    assert "malformed JSON" in response.json()["reason"]
    [row] = await events(sessions)
    assert row.payload == {} and row.payload_raw == body


async def test_redelivery_concurrent_starts_one_run_and_one_workflow(stack: Stack) -> None:
    api, sessions, temporal_client, _ = stack
    delivery = str(uuid.uuid4())
    payload = load_fixture(AI_RUN)
    responses = await asyncio.gather(
        *(deliver(api, "issues", payload, delivery=delivery) for _ in range(10))
    )
    assert {r.status_code for r in responses} == {200}
    bodies = [r.json() for r in responses]
    assert all(b == bodies[0] for b in bodies)
    assert len(await runs(sessions)) == 1
    assert len([e for e in await events(sessions) if e.signature_valid]) == 1
    run = await wait_for_run_status(api, bodies[0]["runId"], {"SUCCEEDED", "FAILED"})
    assert await runs_listed(temporal_client, run["workflowId"]) == 1
    # A later sequential redelivery answers the same and starts nothing.
    again = await deliver(api, "issues", payload, delivery=delivery)
    assert again.json() == bodies[0]
    assert len(await runs(sessions)) == 1


async def test_relabel_while_run_active_attaches_to_it(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    # No worker: the first run stays RECEIVED (active), so the second label attaches to it.
    first = (await deliver(api, "issues", load_fixture(AI_RUN))).json()
    second = (await deliver(api, "issues", load_fixture(AI_RUN))).json()
    assert second["runId"] == first["runId"]
    assert len(await runs(sessions)) == 1


async def test_body_at_limit_is_accepted_and_one_byte_more_is_413(
    api: httpx.AsyncClient, settings: Settings, sessions: SessionFactory
) -> None:
    base = {"zen": "big", "hook_id": 1, "padding": ""}
    overhead = len(json.dumps(base).encode())
    payload = {**base, "padding": "x" * (settings.max_body_bytes - overhead)}
    body = json.dumps(payload).encode()
    assert len(body) == 26_214_400
    ok = await api.post("/api/webhooks/github", content=body, headers=signed_headers(body, "ping"))
    assert ok.status_code == 200
    too_big = body[:-1] + b" }"
    assert len(too_big) == 26_214_401
    refused = await api.post(
        "/api/webhooks/github", content=too_big, headers=signed_headers(too_big, "ping")
    )
    assert refused.status_code == 413
    rows = sorted(await events(sessions), key=lambda r: r.http_status)
    assert [r.http_status for r in rows] == [200, 413]
    assert rows[1].payload == {} and rows[1].body_size >= 26_214_401


@pytest.mark.parametrize(
    "settings_overrides", [{"database_url": "postgresql+psycopg://nobody@127.0.0.1:9/none"}]
)
async def test_deliver_with_database_down_is_503(api: httpx.AsyncClient) -> None:
    response = await deliver(api, "issues", load_fixture(AI_RUN))
    assert response.status_code == 503
    assert response.json() == {"status": "error", "reason": "database unavailable"}
    ready = await api.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"].startswith("unavailable")


async def test_per_repository_path_uses_that_repositorys_secret(
    settings: Settings, sessions: SessionFactory
) -> None:
    from api.main import create_app

    repo_settings = settings.model_copy(
        update={
            "github_webhook_repo_secrets": __import__("pydantic").SecretStr(
                "octo-org/octo-repo=repo-secret-xyz"
            )
        }
    )
    repo_settings.__dict__.pop("repo_secrets", None)
    payload = load_fixture(AI_RUN)  # repository octo-org/octo-repo, labelled ai:run
    ids = {"ok": "per-repo-ok", "wrong": "per-repo-wrong", "mismatch": "per-repo-mismatch"}
    async for client in serve(create_app(repo_settings)):
        path = "/webhook/octo-org/octo-repo"
        ok = await deliver(
            client, "issues", payload, path=path, secret="repo-secret-xyz", delivery=ids["ok"]
        )
        assert ok.status_code == 200 and ok.json()["status"] == "accepted", ok.text
        # The shared secret is not that repository's: refused, though valid elsewhere.
        wrong = await deliver(
            client, "issues", payload, path=path, secret=SECRET, delivery=ids["wrong"]
        )
        assert wrong.status_code == 401
        mismatch = await deliver(
            client,
            "issues",
            payload,
            path="/webhook/octo-org/other",
            secret=SECRET,
            delivery=ids["mismatch"],
        )
        assert mismatch.status_code == 400
    # Every answer has its row; only the accepted delivery made a run.
    stored = {row.delivery_id: row for row in await events(sessions)}
    assert set(stored) == set(ids.values())
    accepted = stored[ids["ok"]]
    assert (accepted.signature_valid, accepted.http_status) == (True, 200)
    assert accepted.repo == "octo-org/octo-repo"
    assert [a["workflow"] for a in accepted.dispatch_plan] == ["RunWorkflow"]
    [run] = await runs(sessions)
    assert str(run.id) == ok.json()["runId"]
    rejected = stored[ids["wrong"]]
    assert (rejected.signature_valid, rejected.http_status) == (False, 401)
    assert rejected.dispatch_status == "rejected" and rejected.dispatch_plan == []
    assert rejected.payload == {} and rejected.error == "invalid signature"
    refused = stored[ids["mismatch"]]
    assert (refused.signature_valid, refused.http_status) == (True, 400)
    assert refused.dispatch_status == "rejected" and refused.dispatch_plan == []
    assert refused.payload == payload  # signed: kept, though not routed
    assert "does not match the path (octo-org/other)" in (refused.error or "")


async def test_root_path_accepts_seed_002_deliveries(api: httpx.AsyncClient) -> None:
    response = await deliver(api, "issues", load_fixture(AI_RUN), path="/")
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"


@pytest.fixture
def bare_remote(tmp_path: Path) -> Path:
    return make_bare_remote(tmp_path, load_fixture(AI_RUN)["repository"]["full_name"])


@pytest.fixture
def agent_settings(bare_remote: Path, tmp_path: Path) -> dict[str, Any]:
    # The example agent, a local bare repository as the remote, and no GitHub token: the run
    # does all its phases and pushes its branch, with no PR to wait on.
    return run_agent_settings(tmp_path)


async def test_deliver_ai_run_with_agent_succeeds_end_to_end(
    settings: Settings,
    sessions: SessionFactory,
    temporal_client: Client,
    bare_remote: Path,
    agent_settings: dict[str, Any],
    tmp_path: Path,
) -> None:
    from api.main import create_app
    from worker import build_worker

    conf = settings.model_copy(update=agent_settings)
    payload = load_fixture(AI_RUN)
    # The payload's clone_url names another repository on the worker's disk: hookflow clones
    # the canonical {GITHUB_GIT_URL}/{full_name}.git and never touches the decoy.
    decoy = make_bare_remote(tmp_path / "decoy", "decoy/repo")
    seed = tmp_path / "decoy" / "seed"
    (seed / "DECOY.md").write_text("not the canonical repository\n")
    git("add", "DECOY.md", cwd=seed)
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "decoy", cwd=seed)
    git("push", "--quiet", str(decoy), "main", cwd=seed)
    payload["repository"]["clone_url"] = f"file://{decoy}"
    async with build_worker(temporal_client, conf, sessions):
        async for api in serve(create_app(conf)):
            body = (await deliver(api, "issues", payload)).json()
            run = await wait_for_run_status(api, body["runId"], {"SUCCEEDED", "FAILED"}, within=60)
            assert run["status"] == "SUCCEEDED", run["error"]
            names = {
                a["name"]
                for a in (
                    await api.get(f"/api/runs/{body['runId']}/artifacts", headers=auth())
                ).json()["data"]
            }
            assert {"qualify", "plan", "implement", "test", "document", "report"} <= names
            assert remote_head(bare_remote, run["branch"]) is not None
            assert remote_head(decoy, run["branch"]) is None
            files = git("ls-tree", "--name-only", run["branch"], cwd=bare_remote).split()
            assert "DECOY.md" not in files and "HOOKFLOW_NOTES.md" in files
        handle = temporal_client.get_workflow_handle(run["workflowId"])

        async def completed() -> bool:
            described = await handle.describe()
            return described.status == WorkflowExecutionStatus.COMPLETED

        await eventually(completed, what="the workflow to complete")
