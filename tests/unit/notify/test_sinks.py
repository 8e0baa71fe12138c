"""The notification sinks against real local HTTP servers and a real directory."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from notify import SinkError, awrite_event_log, send_aimaestro, send_chat, write_event_log
from notify.chat import build_chat_body
from notify.logfile import INDEX_DIR, log_file_name
from routing.notifications import Notification, classify
from tests.support.fakes.sinks import FakeAIMaestro, FakeChatWebhook
from tests.support.files import EVENTS as FIXTURES

WHEN = datetime(2026, 1, 1, 12, 30, 45)


def notification(fixture: str = "workflow_run.failure.json", **overrides: Any) -> Notification:
    payload = json.loads((FIXTURES / fixture).read_text())
    result = classify(
        fixture.split(".")[0],
        payload,
        watched_branches=frozenset({"main"}),
        priority_overrides=overrides,
    )
    return result.notifications[0]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=2.0) as c:
        yield c


async def _send(client: httpx.AsyncClient, maestro: FakeAIMaestro, n: Any) -> dict[str, Any]:
    return await send_aimaestro(
        client, n, base_url=maestro.url + "/", sender="hookflow", recipient="orchestrator"
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- AI Maestro -----------------------------------------------------------------------------


async def test_send_aimaestro_posts_message(
    client: httpx.AsyncClient, maestro: FakeAIMaestro
) -> None:
    n = notification()
    answer = await _send(client, maestro, n)
    assert answer["message"]["id"] == "msg-1"
    [request] = maestro.requests
    assert request.path == "/api/messages"
    assert request.headers["Content-Type"] == "application/json"
    body = request.body
    assert set(body) == {"from", "to", "subject", "priority", "content"}
    assert (body["from"], body["to"], body["priority"]) == ("hookflow", "orchestrator", "high")
    assert body["subject"] == "[ci_failure] CI failed: CI Tests on main"
    assert body["content"]["type"] == "notification"
    assert body["content"]["message"] == n.summary
    context = body["content"]["context"]
    assert context["repo"] == "acme/widgets"
    assert context["group_key"] == "acme/widgets|CI Tests|main"
    assert context["payload_summary"]["workflow_run_id"] == 9876543210


@pytest.mark.parametrize(
    ("priority", "expected"),
    [("low", "low"), ("medium", "normal"), ("high", "high"), ("urgent", "urgent")],
)
async def test_send_aimaestro_maps_priority(
    client: httpx.AsyncClient, maestro: FakeAIMaestro, priority: str, expected: str
) -> None:
    await _send(client, maestro, notification(**{"workflow_run.failure": priority}))
    assert maestro.messages[0]["priority"] == expected


async def test_send_aimaestro_accepts_dict_form(
    client: httpx.AsyncClient, maestro: FakeAIMaestro
) -> None:
    n = notification("issues.labeled_blocked.json")
    await _send(client, maestro, json.loads(json.dumps(n.to_dict())))
    assert maestro.messages[0]["content"]["context"]["issue_number"] == 42


async def test_send_aimaestro_succeeds_after_server_recovers(
    client: httpx.AsyncClient, maestro: FakeAIMaestro
) -> None:
    maestro.fail_next(3, 500)
    errors = []
    for _ in range(4):
        try:
            await _send(client, maestro, notification())
            break
        except SinkError as exc:
            errors.append(exc)
    assert [e.retryable for e in errors] == [True, True, True]
    assert all(e.status_code == 500 for e in errors)
    assert len(maestro.attempts) == 4 and len(maestro.messages) == 1


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (409, False),
        (422, False),
        (408, True),
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (504, True),
    ],
)
async def test_send_aimaestro_error_status_sets_retryable(
    client: httpx.AsyncClient, maestro: FakeAIMaestro, status: int, retryable: bool
) -> None:
    maestro.fail_next(1, status)
    with pytest.raises(SinkError) as info:
        await _send(client, maestro, notification())
    assert info.value.retryable is retryable
    assert info.value.status_code == status
    assert str(status) in str(info.value)


async def test_send_aimaestro_rate_limit_carries_retry_after(
    client: httpx.AsyncClient, maestro: FakeAIMaestro
) -> None:
    maestro.fail_next(1, 429, {"Retry-After": "7"})
    with pytest.raises(SinkError) as info:
        await _send(client, maestro, notification())
    assert info.value.retryable and info.value.retry_after == 7.0


async def test_send_aimaestro_wrong_path_is_not_retryable(
    client: httpx.AsyncClient, maestro: FakeAIMaestro
) -> None:
    with pytest.raises(SinkError) as info:
        await send_aimaestro(
            client, notification(), base_url=maestro.url + "/nope", sender="a", recipient="b"
        )
    assert info.value.status_code == 404 and not info.value.retryable


async def test_send_aimaestro_connection_refused_is_retryable(client: httpx.AsyncClient) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(SinkError) as info:
        await send_aimaestro(client, notification(), base_url=url, sender="a", recipient="b")
    assert info.value.retryable and "ConnectError" in str(info.value)


async def test_send_aimaestro_timeout_is_retryable(maestro: FakeAIMaestro) -> None:
    maestro.delay = 0.5
    async with httpx.AsyncClient(timeout=0.1) as slow:
        with pytest.raises(SinkError) as info:
            await _send(slow, maestro, notification())
    assert info.value.retryable and "Timeout" in str(info.value)


@pytest.mark.parametrize("base_url", ["", "  ", "ftp://127.0.0.1:1", "127.0.0.1:23000"])
async def test_send_aimaestro_bad_url_is_not_retryable(
    client: httpx.AsyncClient, base_url: str
) -> None:
    with pytest.raises(SinkError) as info:
        await send_aimaestro(client, notification(), base_url=base_url, sender="a", recipient="b")
    assert not info.value.retryable


# --- chat webhook ---------------------------------------------------------------------------


async def test_send_chat_json_posts_notification(
    client: httpx.AsyncClient, chat: FakeChatWebhook
) -> None:
    n = notification("pull_request.merged.json")
    await send_chat(client, n, url=chat.url + "/hook", fmt="json")
    [body] = chat.bodies
    assert body == json.loads(json.dumps(n.to_dict()))
    assert Notification.from_dict(body) == n


async def test_send_chat_slack_posts_readable_line(
    client: httpx.AsyncClient, chat: FakeChatWebhook
) -> None:
    n = notification()
    await send_chat(client, n, url=chat.url + "/hook", fmt="slack")
    assert chat.bodies == [
        {
            "text": "[HIGH] ci_failure acme/widgets: CI failed: CI Tests on main"
            " — Fix flaky retry test https://github.com/acme/widgets/actions/runs/9876543210"
        }
    ]


@pytest.mark.parametrize(("status", "retryable"), [(404, False), (410, False), (500, True)])
async def test_send_chat_error_status_sets_retryable(
    client: httpx.AsyncClient, chat: FakeChatWebhook, status: int, retryable: bool
) -> None:
    chat.fail_next(1, status)
    with pytest.raises(SinkError) as info:
        await send_chat(client, notification(), url=chat.url, fmt="slack")
    assert info.value.retryable is retryable
    await send_chat(client, notification(), url=chat.url, fmt="slack")
    assert len(chat.bodies) == 1


async def test_send_chat_accepts_any_2xx(client: httpx.AsyncClient) -> None:
    server = FakeChatWebhook(status=204).start()
    try:
        await send_chat(client, notification(), url=server.url)
    finally:
        server.stop()
    assert len(server.bodies) == 1


async def test_send_chat_unknown_format_is_not_retryable(
    client: httpx.AsyncClient, chat: FakeChatWebhook
) -> None:
    with pytest.raises(SinkError) as info:
        await send_chat(client, notification(), url=chat.url, fmt="teams")  # type: ignore[arg-type]
    assert not info.value.retryable and chat.attempts == []


async def test_send_chat_missing_url_is_not_retryable(client: httpx.AsyncClient) -> None:
    with pytest.raises(SinkError, match="NOTIFY_WEBHOOK_URL is not set") as info:
        await send_chat(client, notification(), url="")
    assert not info.value.retryable


def test_build_chat_body_omits_missing_url() -> None:
    n = notification("push.main.json")
    text = build_chat_body({**n.to_dict(), "url": None}, "slack")["text"]
    assert text == (
        "[LOW] generic acme/widgets: 2 commits pushed to main by alice — Fix flaky retry test"
    )


# --- log files ------------------------------------------------------------------------------


def _write(
    log_dir: Path,
    n: Notification,
    *,
    when: datetime = WHEN,
    key: str = "d-1",
    delivery_id: str | None = None,
) -> Path:
    return write_event_log(
        log_dir,
        event=n.event,
        notification=n.to_dict(),
        payload_summary=n.payload_summary,
        when=when,
        key=key,
        delivery_id=delivery_id,
    )


def _visible(log_dir: Path) -> list[str]:
    return sorted(p.name for p in log_dir.iterdir() if not p.name.startswith("."))


def _leftovers(log_dir: Path) -> list[Path]:
    return [p for p in log_dir.rglob("*") if p.name.endswith(".tmp")]


def test_write_event_log_uses_seed_layout(tmp_path: Path) -> None:
    log_dir = tmp_path / "deep" / "webhook_logs"
    n = notification()
    path = _write(log_dir, n, key="notify-72d3-0", delivery_id="72d3")
    assert path == log_dir / "20260101_123045_workflow_run.json"
    assert _visible(log_dir) == ["20260101_123045_workflow_run.json", "latest.json"]
    document = json.loads(path.read_text())
    assert document["event"] == "workflow_run" and document["delivery_id"] == "72d3"
    assert document["notification_key"] == "notify-72d3-0"
    assert document["received_at"] == "2026-01-01T12:30:45"
    assert document["notification"]["type"] == "ci_failure"
    assert "payload_summary" not in document["notification"]
    assert document["payload_summary"] == n.payload_summary
    assert json.loads((log_dir / "latest.json").read_text()) == document
    assert _leftovers(log_dir) == []


def test_write_event_log_same_second_adds_suffix(tmp_path: Path) -> None:
    first = _write(tmp_path, notification(), key="d-1")
    second = _write(tmp_path, notification("workflow_run.success.json"), key="d-2")
    assert (first.name, second.name) == (
        "20260101_123045_workflow_run.json",
        "20260101_123045_workflow_run-2.json",
    )
    assert json.loads(first.read_text())["notification_key"] == "d-1"
    assert json.loads(second.read_text())["notification_key"] == "d-2"
    assert json.loads((tmp_path / "latest.json").read_text())["notification_key"] == "d-2"


def test_write_event_log_same_delivery_rewrites(tmp_path: Path) -> None:
    n = notification()
    first = _write(tmp_path, n)
    changed = Notification.from_dict({**n.to_dict(), "priority": "urgent"})
    again = _write(tmp_path, changed)
    later = _write(tmp_path, changed, when=WHEN + timedelta(minutes=3))
    assert first == again == later
    assert _visible(tmp_path) == [first.name, "latest.json"]
    assert json.loads(first.read_text())["notification"]["priority"] == "urgent"
    assert _leftovers(tmp_path) == []


def test_write_event_log_rewrite_survives_lost_index(tmp_path: Path) -> None:
    n = notification()
    first = _write(tmp_path, n)
    for entry in (tmp_path / INDEX_DIR).iterdir():
        entry.unlink()
    assert _write(tmp_path, n) == first
    assert _visible(tmp_path) == [first.name, "latest.json"]


def test_write_event_log_rewrites_file_of_older_layout(tmp_path: Path) -> None:
    n = notification()
    first = _write(tmp_path, n, key="notify-d-1-0")
    older = json.loads(first.read_text())
    older["delivery_id"] = older.pop("notification_key")  # the key's field before its rename
    first.write_text(json.dumps(older))
    for entry in (tmp_path / INDEX_DIR).iterdir():
        entry.unlink()
    assert _write(tmp_path, n, key="notify-d-1-0") == first
    assert _visible(tmp_path) == [first.name, "latest.json"]
    assert json.loads(first.read_text())["notification_key"] == "notify-d-1-0"


def test_write_event_log_retry_keeps_newer_latest(tmp_path: Path) -> None:
    old = notification()
    _write(tmp_path, old, key="d-old")
    _write(tmp_path, notification("push.main.json"), key="d-new", when=WHEN + timedelta(1))
    _write(tmp_path, old, key="d-old")
    assert json.loads((tmp_path / "latest.json").read_text())["notification_key"] == "d-new"


def test_write_event_log_concurrent_writers_get_distinct_files(tmp_path: Path) -> None:
    n = notification()
    barrier = threading.Barrier(16)

    def write(i: int) -> Path:
        barrier.wait()
        return _write(tmp_path, n, key=f"d-{i}")

    with ThreadPoolExecutor(16) as pool:
        paths = list(pool.map(write, range(16)))
    assert len(set(paths)) == 16
    assert {json.loads(p.read_text())["notification_key"] for p in paths} == {
        f"d-{i}" for i in range(16)
    }
    assert _leftovers(tmp_path) == []
    assert len(_visible(tmp_path)) == 17


def test_write_event_log_names_aware_time_in_utc(tmp_path: Path) -> None:
    when = datetime(2026, 1, 1, 14, 30, 45, tzinfo=timezone(timedelta(hours=2)))
    path = _write(tmp_path, notification(), when=when)
    assert path.name == "20260101_123045_workflow_run.json"
    assert log_file_name("push", datetime(2026, 1, 1, 12, 30, 45, tzinfo=UTC), 3) == (
        "20260101_123045_push-3.json"
    )


def test_write_event_log_unusable_dir_is_not_retryable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(SinkError) as info:
        _write(blocker / "logs", notification())
    assert not info.value.retryable and "cannot write" in str(info.value)


async def test_awrite_event_log_writes_off_loop(tmp_path: Path) -> None:
    n = notification("issues.labeled_blocked.json")
    path = await awrite_event_log(
        tmp_path,
        event="issues",
        notification=n,
        payload_summary=n.payload_summary,
        when=WHEN,
        key="d-9",
    )
    assert path.name == "20260101_123045_issues.json"
    assert json.loads(path.read_text())["notification"]["issue_number"] == 42
