"""Routed notifications end to end on the real Temporal dev server and PostgreSQL, with the fake
AI Maestro and two chat webhooks: two repositories to two receivers, silences through the API
(listed as `silenced`, expired while red, ended by the green run), and a config reload between
two deliveries of one group."""

from __future__ import annotations

import copy
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client
from temporalio.worker import Worker

from routing.workflow_ids import group_workflow_id, notification_workflow_id
from tests.support.fakes.sinks import FakeAIMaestro, FakeChatWebhook
from tests.support.files import load_fixture
from tests.support.notifications import group_sent
from tests.support.record_histories import RecordHistory
from tests.support.waiting import eventually, started, workflow_result
from tests.support.webhooks import auth, deliver

CONFIG = """
receivers:
  - name: orchestrator
    aimaestro: {{url: "{maestro}", from: hookflow, to: orchestrator}}
  - name: api-team
    webhook: {{url_file: {api_hook}, format: slack}}
  - name: web-team
    webhook: {{url_file: {web_hook}, format: json}}
    template: {{summary: "web team, {{{{ n.repo }}}}: {{{{ n.title }}}}"}}
route:
  receiver: orchestrator
  routes:
    - matchers: ['repo="{api_repo}"']
      receiver: api-team
    - matchers: ['repo="acme/web"']
      receiver: web-team
"""


@pytest.fixture
def chat_web() -> Iterator[FakeChatWebhook]:
    server = FakeChatWebhook().start()
    yield server
    server.stop()


def write_config(path: Path, *, api_repo: str) -> None:
    """The config beside the files the settings fixture wrote (AI Maestro's URL, the hooks)."""
    text = CONFIG.format(
        maestro=(path.parent / "maestro").read_text(),
        api_hook=path.parent / "api_hook",
        web_hook=path.parent / "web_hook",
        api_repo=api_repo,
    )
    path.write_text(text)


@pytest.fixture
def settings_overrides(
    tmp_path: Path, maestro: FakeAIMaestro, chat: FakeChatWebhook, chat_web: FakeChatWebhook
) -> dict[str, Any]:
    (tmp_path / "maestro").write_text(maestro.url)
    (tmp_path / "api_hook").write_text(chat.url + "/services/api\n")
    (tmp_path / "web_hook").write_text(chat_web.url + "/services/web\n")
    path = tmp_path / "notify.yaml"
    write_config(path, api_repo="acme/api")
    return {
        "notify_config": str(path),
        "notify_group_window": "2s",
        "notify_repeat_interval": "1h",
    }


@pytest.fixture
def ci() -> str:
    return f"CI {uuid.uuid4().hex[:8]}"


def failure(repo: str, ci: str, run: int, conclusion: str = "failure") -> dict[str, Any]:
    name = "workflow_run.failure.json" if conclusion == "failure" else "workflow_run.success.json"
    payload = copy.deepcopy(load_fixture(f"events/{name}"))
    payload["repository"]["full_name"] = repo
    payload["workflow_run"].update(id=run, run_number=run, name=ci, conclusion=conclusion)
    payload["workflow_run"]["head_repository"] = {"full_name": repo}
    return payload


async def notifications(api: httpx.AsyncClient, **filters: str) -> list[dict[str, Any]]:
    response = await api.get("/api/notifications", params=filters, headers=auth())
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def group_state(client: Client, repo: str, ci: str) -> dict[str, Any]:
    state: dict[str, Any] = await client.get_workflow_handle(
        group_workflow_id("workflow_run", repo, ci, "main")
    ).query("state")
    return state


async def settled(client: Client, repo: str, ci: str, failures: int) -> dict[str, Any]:
    await started(client, group_workflow_id("workflow_run", repo, ci, "main"))

    async def check() -> dict[str, Any] | None:
        state = await group_state(client, repo, ci)
        quiet = state["pending"] == 0 and state["batched"] == 0
        return state if quiet and state["failures_total"] == failures else None

    found: dict[str, Any] = await eventually(check, what=f"group {repo} {ci} settled")
    return found


async def silence(api: httpx.AsyncClient, *matchers: str, **extra: Any) -> dict[str, Any]:
    body = {
        "matchers": list(matchers),
        "endsAt": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        "createdBy": "test",
        "comment": "known outage",
        **extra,
    }
    response = await api.post("/api/silences", json=body, headers=auth())
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_two_repositories_go_to_their_own_receivers(
    api: httpx.AsyncClient,
    worker: Worker,
    temporal_client: Client,
    maestro: FakeAIMaestro,
    chat: FakeChatWebhook,
    chat_web: FakeChatWebhook,
    ci: str,
) -> None:
    await deliver(api, "workflow_run", failure("acme/api", ci, 1))
    await deliver(api, "workflow_run", failure("acme/web", ci, 2))
    await eventually(lambda: chat.bodies and chat_web.bodies, what="both chats")
    await settled(temporal_client, "acme/api", ci, 1)
    await settled(temporal_client, "acme/web", ci, 1)
    [api_body] = chat.bodies
    assert api_body["text"].startswith("[HIGH] ci_failure acme/api: CI failed: ")
    assert chat.requests[0].path == "/services/api"  # the URL came from its url_file
    [web_body] = chat_web.bodies
    assert web_body["repo"] == "acme/web" and web_body["type"] == "ci_failure"
    assert web_body["summary"] == f"web team, acme/web: CI failed: {ci} on main"  # its template
    assert maestro.messages == []  # the root receiver got neither
    expected = [("acme/api", "api-team", "sent"), ("acme/web", "web-team", "sent")]

    async def recorded() -> list[dict[str, Any]] | None:
        rows = await notifications(api, type="ci_failure")
        found = sorted((r["repo"], r["receiver"], r["status"]) for r in rows)
        return rows if found == expected else None

    rows = await eventually(recorded, what=f"rows {expected}")
    assert all(set(r["sinks"]) == {"chat"} for r in rows)


async def test_silence_stops_one_repository_is_listed_then_expiring_it_sends_the_state_once(
    api: httpx.AsyncClient,
    worker: Worker,
    temporal_client: Client,
    chat: FakeChatWebhook,
    chat_web: FakeChatWebhook,
    ci: str,
    record_history: RecordHistory,
) -> None:
    quiet = await silence(api, 'repo="acme/api"', "type=ci_failure")
    assert quiet["state"] == "active" and quiet["matchers"] == [
        'repo="acme/api"',
        'type="ci_failure"',
    ]
    await deliver(api, "workflow_run", failure("acme/api", ci, 10))
    await deliver(api, "workflow_run", failure("acme/web", ci, 11))
    await eventually(lambda: chat_web.bodies, what="acme/web's failure")
    await settled(temporal_client, "acme/api", ci, 1)

    async def silenced_row() -> list[dict[str, Any]]:
        return await notifications(api, status="silenced")

    [row] = await eventually(silenced_row, what="the silenced notification")
    assert (row["repo"], row["receiver"], row["silenceId"]) == ("acme/api", "api-team", quiet["id"])
    assert row["sinks"] == {}
    assert (await group_state(temporal_client, "acme/api", ci))["silenced"] == [quiet["id"]]
    assert chat.bodies == []

    listed = await api.get("/api/silences", params={"state": "active"}, headers=auth())
    assert [s["id"] for s in listed.json()["data"]] == [quiet["id"]]

    expired = await api.delete(f"/api/silences/{quiet['id']}", headers=auth())
    assert expired.status_code == 200 and expired.json()["state"] == "expired"
    await eventually(lambda: chat.bodies, what="the state after the silence")
    group = group_workflow_id("workflow_run", "acme/api", ci, "main")

    async def told() -> bool:
        state = await group_state(temporal_client, "acme/api", ci)
        return state["silenced"] == [] and state["pending"] == 0

    await eventually(told, what="the group to have sent its state")
    notices = await group_sent(temporal_client, group)
    assert notices[-1].sends == ["api-team/chat"]  # the state: to the silenced receiver only
    [text] = [b["text"] for b in chat.bodies]
    assert "Still failing (silence ended)" in text and "1 failed run(s)" in text
    await record_history("notify_group/routed_silence_expired_while_red_inline", group)
    assert (await api.delete(f"/api/silences/{quiet['id']}", headers=auth())).status_code == 409
    missing = await api.delete(f"/api/silences/{uuid.uuid4()}", headers=auth())
    assert missing.status_code == 404
    gone = await api.get("/api/silences", params={"state": "expired"}, headers=auth())
    assert gone.json()["data"][0]["endedReason"] == "expired through the API"
    assert len(chat.bodies) == 1


async def test_ends_when_resolved_silence_ends_with_the_green_run(
    api: httpx.AsyncClient,
    worker: Worker,
    temporal_client: Client,
    chat: FakeChatWebhook,
    ci: str,
) -> None:
    quiet = await silence(api, 'repo="acme/api"', f'workflow="{ci}"', endsWhenResolved=True)
    await deliver(api, "workflow_run", failure("acme/api", ci, 20))
    await settled(temporal_client, "acme/api", ci, 1)
    await deliver(api, "workflow_run", failure("acme/api", ci, 21, conclusion="success"))

    async def ended() -> dict[str, Any] | None:
        found = await api.get(f"/api/silences/{quiet['id']}", headers=auth())
        body: dict[str, Any] = found.json()
        return body if body["state"] == "expired" else None

    done = await eventually(ended, what="the silence to end with the green run")
    assert done["endedReason"].startswith("resolved: notify-ci-acme-api-")
    expected = [("ci_failure", "silenced"), ("ci_resolved", "silenced")]

    async def recorded() -> bool:
        rows = await notifications(api, repo="acme/api")
        return sorted((r["type"], r["status"]) for r in rows) == expected

    await eventually(recorded, what=f"rows {expected}")
    assert chat.bodies == []
    # Ended: the next failure of the branch is heard again.
    await deliver(api, "workflow_run", failure("acme/api", ci, 22))
    await eventually(lambda: chat.bodies, what="the next failure")


async def test_config_reload_between_two_deliveries_keeps_the_group(
    api: httpx.AsyncClient,
    worker: Worker,
    temporal_client: Client,
    chat: FakeChatWebhook,
    chat_web: FakeChatWebhook,
    settings_overrides: dict[str, Any],
    ci: str,
) -> None:
    await deliver(api, "workflow_run", failure("acme/api", ci, 30))
    await eventually(lambda: chat.bodies, what="the first failure to api-team")
    first = await settled(temporal_client, "acme/api", ci, 1)
    group = temporal_client.get_workflow_handle(
        group_workflow_id("workflow_run", "acme/api", ci, "main")
    )
    run_id = (await group.describe()).run_id

    path = Path(settings_overrides["notify_config"])
    write_config(path, api_repo="acme/nothing")  # acme/api now falls to the root receiver
    os.utime(path, ns=(1, 1))
    await deliver(api, "workflow_run", failure("acme/api", ci, 31))
    state = await settled(temporal_client, "acme/api", ci, 2)
    assert (await group.describe()).run_id == run_id  # the same group, still red
    assert state["red"] and first["red_since"] == state["red_since"]
    notices = await group_sent(temporal_client, group.id)
    assert notices[-1].sends == ["orchestrator/aimaestro"]
    sent = await notifications(api, repo="acme/api", receiver="orchestrator", status="sent")
    assert len(sent) == 1
    assert len(chat.bodies) == 1 and chat_web.bodies == []


async def test_silence_api_refuses_bad_input(api: httpx.AsyncClient) -> None:
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    base = {"endsAt": soon, "createdBy": "me", "comment": "why"}
    cases = [
        ({**base, "matchers": ["colour=red"]}, 400, "unknown label"),
        ({**base, "matchers": ['repo=~"("']}, 400, "bad regex"),
        ({**base, "matchers": ['repo=~".*"']}, 400, "mute everything"),
        ({**base, "matchers": []}, 422, ""),
        ({**base, "matchers": ["repo=a/b"], "endsAt": "2001-01-01T00:00:00Z"}, 400, "past"),
        ({**base, "matchers": ["repo=a/b"], "startsAt": soon, "endsAt": soon}, 400, "after"),
        ({**base, "matchers": ["repo=a/b"], "comment": ""}, 422, ""),
    ]
    for body, status, message in cases:
        response = await api.post("/api/silences", json=body, headers=auth())
        assert response.status_code == status, (body, response.text)
        assert message in response.text
    assert (
        await api.get("/api/silences", params={"state": "bogus"}, headers=auth())
    ).status_code == 422
    assert (await api.get("/api/silences")).status_code == 401
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    pending = {**base, "matchers": ["repo=a/b"], "startsAt": soon, "endsAt": later}
    created = await api.post("/api/silences", json=pending, headers=auth())
    assert created.status_code == 201 and created.json()["state"] == "pending"
    listed = await api.get("/api/silences", params={"state": "pending"}, headers=auth())
    assert listed.json()["count"] == 1
    ended = await api.delete(f"/api/silences/{created.json()['id']}", headers=auth())
    assert ended.json()["state"] == "expired"


async def test_pr_notification_is_not_silenced_by_a_ci_silence(
    api: httpx.AsyncClient,
    worker: Worker,
    temporal_client: Client,
    chat: FakeChatWebhook,
    record_history: RecordHistory,
) -> None:
    await silence(api, 'repo="acme/api"', 'type="ci_failure"')
    payload = copy.deepcopy(load_fixture("events/pull_request.opened.json"))
    payload["repository"]["full_name"] = "acme/api"
    delivery = str(uuid.uuid4())
    await deliver(api, "pull_request", payload, delivery=delivery)
    result = await workflow_result(temporal_client, notification_workflow_id(delivery, 0))
    assert result["receivers"] == {"api-team": "sent"} and result["sinks"] == {"chat": "sent"}
    assert chat.bodies[0]["text"].startswith("[MEDIUM] pr_created acme/api: PR #")
    await record_history(
        "notification/routed_to_a_receiver_prepared", notification_workflow_id(delivery, 0)
    )
