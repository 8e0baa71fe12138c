"""Seed 002's "Monitor Webhook Logs": a file per signed, recorded delivery in LOG_DIR
(`YYYYMMDD_HHMMSS_<event>.json`, `latest.json` the newest, `.payload_summary`), written from
the committed rows in the background — an ai:run, an ignored event, a ping and a CI failure
(with the notification the worker sent, in the same file), also while Temporal is down; an
unsigned body never reaches the disk."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from temporalio.worker import Worker

from api.main import create_app
from delivery.event_summary import MAX_DOCUMENT_BYTES, bounded
from notify.log_dir import LATEST, received
from settings import Settings
from tests.support.app import serve as _serve
from tests.support.files import load_fixture
from tests.support.waiting import eventually
from tests.support.webhooks import deliver

NAME = re.compile(r"^\d{8}_\d{6}_[A-Za-z0-9_.-]+?(-\d+)?\.json$")


def files(log_dir: Path) -> dict[str, dict[str, Any]]:
    """Visible event files by delivery id."""
    found = {}
    for path in log_dir.glob("*.json"):
        if path.name != LATEST:
            doc = json.loads(path.read_text())
            found[doc["delivery_id"]] = {**doc, "_name": path.name}
    return found


def logged(log_dir: Path, *ids: str) -> Any:
    def check() -> dict[str, dict[str, Any]] | None:
        found = files(log_dir) if log_dir.is_dir() else {}
        # Written by the API's delivery log (the record's status): the worker's sink may have
        # created a delivery's file first, with only its notification (the two merge).
        written = {key: doc for key, doc in found.items() if "status" in doc}
        return found if set(ids) <= set(written) else None

    return check


async def test_each_delivery_leaves_its_file(
    api: httpx.AsyncClient, worker: Worker, settings: Settings
) -> None:
    log_dir = settings.log_path
    ai = await deliver(
        api, "issues", load_fixture("events/issues_labeled_ai_run.json"), delivery="d-ai"
    )
    star = {
        "action": "created",
        "repository": {"full_name": "acme/widgets"},
        "sender": {"login": "o"},
    }
    ignored = await deliver(api, "star", star, delivery="d-star")
    ping = await deliver(
        api, "ping", {"zen": "Keep it logically awesome.", "hook_id": 7}, delivery="d-ping"
    )
    failed = load_fixture("events/workflow_run.failure.json")
    # A CI name of this test's own: the group workflow's id is a business key, and a group an
    # earlier test opened on its own task queue would take this failure and never send it.
    failed["workflow_run"]["name"] = f"CI {uuid.uuid4().hex[:8]}"
    ci = await deliver(api, "workflow_run", failed, delivery="d-ci")
    assert [r.status_code for r in (ai, ignored, ping, ci)] == [200, 200, 200, 200]

    found = await eventually(logged(log_dir, "d-ai", "d-star", "d-ping", "d-ci"), what="log files")
    for doc in found.values():
        assert NAME.match(doc["_name"]), doc["_name"]
        assert doc["_name"][16:].startswith(doc["event"])
        datetime.strptime(doc["_name"][:15], "%Y%m%d_%H%M%S")
    run = found["d-ai"]
    assert (run["event"], run["action"], run["repository"]) == (
        "issues",
        "labeled",
        "octo-org/octo-repo",
    )
    assert run["status"] == "accepted" and run["run_id"] == ai.json()["runId"]
    assert run["workflow_ids"] and run["payload_summary"]["label"] == "ai:run"
    assert (
        found["d-star"]["status"] == "ignored"
        and found["d-star"]["reason"] == "not an issues event"
    )
    assert found["d-ping"]["reason"] == "ping: webhook configured"
    assert found["d-ping"]["payload_summary"]["zen"] == "Keep it logically awesome."

    # The CI failure: its notification is in its file, and the worker's sink, sending it,
    # adds to that same file instead of writing a second one.
    failure = found["d-ci"]
    assert failure["notification"]["type"] == "ci_failure"
    assert failure["notification"]["priority"] == "high"
    assert failure["payload_summary"]["conclusion"] == "failure"

    def sent() -> dict[str, Any] | None:
        doc = files(log_dir)["d-ci"]
        return doc if doc.get("notification_key") else None

    merged = await eventually(sent, what="the sink to add the sent notification")
    assert merged["status"] == "accepted" and merged["notification"]["type"] == "ci_failure"
    assert [n for n in log_dir.glob("*_workflow_run*.json")] == [log_dir / merged["_name"]]

    # latest.json is the newest file, as `jq .payload_summary` expects.
    latest = json.loads((log_dir / LATEST).read_text())
    newest = max(files(log_dir).values(), key=lambda d: received(d) or datetime.min)
    assert latest["payload_summary"] == newest["payload_summary"]


@pytest_asyncio.fixture
async def api_without_temporal(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    down = Settings(**{**settings.model_dump(), "temporal_address": "127.0.0.1:9"})
    async for client in _serve(create_app(down)):
        yield client


async def test_deliveries_are_logged_while_temporal_is_down(
    api_without_temporal: httpx.AsyncClient, settings: Settings
) -> None:
    api = api_without_temporal
    answer = await deliver(
        api, "issues", load_fixture("events/issues_labeled_ai_run.json"), delivery="down-1"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
    found = await eventually(logged(settings.log_path, "down-1"), what="the log file")
    assert found["down-1"]["dispatch"] == "pending"
    assert found["down-1"]["run_id"] == answer.json()["runId"]


async def test_unsigned_body_never_reaches_the_disk(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    marker = "unsigned-marker-5f0c2a"
    payload = {"action": "created", "repository": {"full_name": "a/b"}, "note": marker}
    refused = await deliver(api, "push", payload, secret="not-the-secret", delivery="unsigned-1")
    assert refused.status_code == 401
    signed = await deliver(api, "star", {"repository": {"full_name": "a/b"}}, delivery="signed-1")
    assert signed.status_code == 200
    await eventually(logged(settings.log_path, "signed-1"), what="the signed delivery's file")
    assert "unsigned-1" not in files(settings.log_path)
    for path in settings.log_path.rglob("*"):
        if path.is_file():
            assert marker not in path.read_text(errors="replace")


def test_log_documents_are_bounded() -> None:
    huge = {
        "event": "push",
        "reason": "x" * 200_000,
        "workflow_ids": ["w"] * 10_000,
        "notification": None,
        "payload_summary": {"title": "y" * 200_000},
    }
    small = bounded(huge)
    assert len(json.dumps(small)) <= MAX_DOCUMENT_BYTES
    assert small["payload_summary"] == {"truncated": True}
