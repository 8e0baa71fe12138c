"""Replay of recorded deliveries (POST /api/deliveries/{id}/replay, `hookflow replay`) and the
delivery list (GET /api/deliveries): real app, PostgreSQL and Temporal."""

from __future__ import annotations

import argparse
import copy
import dataclasses
import io
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI
from temporalio.client import Client

from api.main import create_app
from cli.replay import replay_command
from delivery.replay_plan import EXISTING, STARTED
from settings import Settings
from tests.support.app import serve
from tests.support.files import load_fixture
from tests.support.webhooks import auth, deliver, signed_headers


@pytest_asyncio.fixture
async def app(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    application = create_app(settings)
    async for client in serve(application):
        yield application, client


def push(repo: str, branch: str) -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture("events/push.main.json"))
    payload["repository"]["full_name"] = repo
    payload["ref"] = f"refs/heads/{branch}"
    return payload


async def exists(client: Client, workflow_id: str) -> bool:
    try:
        await client.get_workflow_handle(workflow_id).describe()
    except Exception:  # noqa: BLE001 - NOT_FOUND
        return False
    return True


async def test_replay_routes_with_todays_config_and_never_doubles_unless_forced(
    app: tuple[FastAPI, httpx.AsyncClient], temporal_client: Client
) -> None:
    application, api = app
    guid = str(uuid.uuid4())
    repo = f"acme/replay-{uuid.uuid4().hex[:6]}"
    first = await deliver(api, "push", push(repo, "release"), delivery=guid)
    assert first.json()["status"] == "ignored"
    # The fix: `release` is now watched. The recorded delivery is routed again.
    state = application.state.hookflow
    state.routing = dataclasses.replace(state.routing, watched_branches=frozenset({"release"}))

    replayed = await api.post(f"/api/deliveries/{guid}/replay", headers=auth())
    body = replayed.json()
    assert replayed.status_code == 200, body
    assert body["status"] == "replayed" and body["force"] is False
    assert [a["outcome"] for a in body["actions"]] == [STARTED]
    started = body["started"][0]
    assert guid in started and await exists(temporal_client, started)

    again = (await api.post(f"/api/deliveries/{guid}/replay", headers=auth())).json()
    assert again["started"] == [] and [a["outcome"] for a in again["actions"]] == [EXISTING]
    assert [a["workflowId"] for a in again["actions"]] == [started]

    out = io.StringIO()
    code = await replay_command(
        argparse.Namespace(delivery_id=guid, force=True, api_url=None),
        state.settings,
        http=api,
        out=out,
        err=io.StringIO(),
    )
    assert code == 0
    forced_body = json.loads(out.getvalue())
    assert forced_body["force"] is True and len(forced_body["started"]) == 1
    assert forced_body["started"][0] != started and forced_body["started"][0].startswith(started)
    assert await exists(temporal_client, forced_body["started"][0])

    listed = (await api.get("/api/deliveries", params={"repo": repo}, headers=auth())).json()
    assert listed["count"] == 4  # the delivery and three replays
    assert [d["replayOf"] is not None for d in listed["data"]].count(True) == 3
    assert {d["deliveryId"] for d in listed["data"]} == {guid}
    originals = (
        await api.get("/api/deliveries", params={"repo": repo, "replays": "false"}, headers=auth())
    ).json()
    assert [d["status"] for d in originals["data"]] == ["ignored"]


async def test_replay_unknown_or_unusable_delivery(api: httpx.AsyncClient) -> None:
    missing = await api.post(f"/api/deliveries/{uuid.uuid4()}/replay", headers=auth())
    assert missing.status_code == 404
    guid = str(uuid.uuid4())
    body = b"{not json"
    bad = await api.post(
        "/api/webhooks/github", content=body, headers=signed_headers(body, "push", delivery=guid)
    )
    assert bad.status_code == 400
    refused = await api.post(f"/api/deliveries/{guid}/replay", headers=auth())
    assert refused.status_code == 409 and "payload" in refused.json()["reason"]


async def test_deliveries_list_filters_and_needs_token(api: httpx.AsyncClient) -> None:
    repo = f"acme/list-{uuid.uuid4().hex[:6]}"
    await deliver(api, "push", push(repo, "feature/x"))
    await deliver(api, "ping", {"zen": "hi", "repository": {"full_name": repo}})
    assert (await api.get("/api/deliveries")).status_code == 401
    pushes = (
        await api.get("/api/deliveries", params={"repo": repo, "event": "push"}, headers=auth())
    ).json()
    assert [d["event"] for d in pushes["data"]] == ["push"]
    ignored = (
        await api.get(
            "/api/deliveries",
            params={"repo": repo, "status": "ignored", "since": "1h"},
            headers=auth(),
        )
    ).json()
    assert ignored["count"] == 2
    future = (
        await api.get(
            "/api/deliveries",
            params={"repo": repo, "since": "2999-01-01T00:00:00Z"},
            headers=auth(),
        )
    ).json()
    assert future["count"] == 0
    paged = (
        await api.get(
            "/api/deliveries", params={"repo": repo, "limit": 1, "offset": 1}, headers=auth()
        )
    ).json()
    assert len(paged["data"]) == 1 and paged["count"] == 2
    bad = await api.get("/api/deliveries", params={"since": "yesterday"}, headers=auth())
    assert bad.status_code == 400
