"""The raw webhook route answers exactly as FastAPI's webhook routes would: the same statuses,
bodies and headers for every kind of delivery, and the same 500 for a bug."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlmodel import select
from starlette.types import Receive, Scope, Send

from api.main import HookflowApp, create_app
from db.engine import SessionFactory
from db.models import WebhookEvent
from settings import Settings
from tests.support.files import load_fixture
from tests.support.webhooks import signed_headers

REPO = "octo-org/octo-repo"


def _cases() -> list[tuple[str, str, bytes, dict[str, str]]]:
    """(name, path, body, headers); each call gives fresh delivery ids."""
    labeled = load_fixture("events/issues_labeled_ai_run.json")
    labeled["label"]["name"] = "bug"  # recorded and ignored: nothing to start
    body = json.dumps(labeled).encode()
    unsigned = signed_headers(body, "issues")
    del unsigned["X-Hub-Signature-256"]
    no_event = signed_headers(body, "issues")
    del no_event["X-GitHub-Event"]
    bad_json = b'{"action": "labeled",'
    array = b"[1, 2, 3]"
    other = json.dumps({**labeled, "repository": {"full_name": "someone/else"}}).encode()
    too_big = signed_headers(body, "issues") | {"Content-Length": str(26_214_400 + 1)}
    ping = b'{"zen": "hi", "hook_id": 7}'
    flipped = body[:-2] + b"X}"
    return [
        ("ignored", "/api/webhooks/github", body, signed_headers(body, "issues")),
        ("ignored at /", "/", body, signed_headers(body, "issues")),
        ("ping", "/", ping, signed_headers(ping, "ping")),
        ("flipped signature", "/api/webhooks/github", flipped, signed_headers(body, "issues")),
        ("unsigned", "/api/webhooks/github", body, unsigned),
        ("no event header", "/api/webhooks/github", body, no_event),
        ("malformed JSON", "/api/webhooks/github", bad_json, signed_headers(bad_json, "issues")),
        ("not an object", "/api/webhooks/github", array, signed_headers(array, "issues")),
        ("repo path", f"/webhook/{REPO}", body, signed_headers(body, "issues")),
        ("repo path mismatch", f"/webhook/{REPO}", other, signed_headers(other, "issues")),
        ("short name unknown", "/webhook/nosuchrepo", body, signed_headers(body, "issues")),
        ("declared too large", "/api/webhooks/github", body, too_big),
    ]


def _fastapi_only(app: HookflowApp) -> FastAPI:
    """The same app, every request through FastAPI's own routing (the raw route skipped)."""

    class Plain:
        state = app.state

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            await FastAPI.__call__(app, scope, receive, send)

    return Plain()  # type: ignore[return-value]


@pytest_asyncio.fixture
async def both(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        raw = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://h")
        plain = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=_fastapi_only(app)), base_url="http://h"
        )
        async with raw, plain:
            yield raw, plain


def _answer(response: httpx.Response) -> tuple[int, bytes, str | None, str | None]:
    return (
        response.status_code,
        response.content,
        response.headers.get("content-type"),
        response.headers.get("content-length"),
    )


async def test_raw_route_answers_every_case_as_fastapi_does(
    both: tuple[httpx.AsyncClient, httpx.AsyncClient], sessions: SessionFactory
) -> None:
    raw, plain = both
    statuses = {}
    for name, path, body, headers in _cases():
        # The same request twice, each with its own delivery id (both are recorded).
        answers = []
        for client in (raw, plain):
            fresh = dict(headers)
            if "X-GitHub-Delivery" in fresh:
                fresh["X-GitHub-Delivery"] = f"{name}-{id(client)}"
            answers.append(_answer(await client.post(path, content=body, headers=fresh)))
        assert answers[0] == answers[1], name
        statuses[name] = answers[0][0]
    assert statuses == {
        "ignored": 200,
        "ignored at /": 200,
        "ping": 200,
        "flipped signature": 401,
        "unsigned": 401,
        "no event header": 400,
        "malformed JSON": 400,
        "not an object": 400,
        "repo path": 200,
        "repo path mismatch": 400,
        "short name unknown": 404,
        "declared too large": 413,
    }
    async with sessions() as session:
        rows = (await session.exec(select(WebhookEvent))).all()
    recorded: dict[str, list[int]] = {}
    for row in rows:
        name = (row.delivery_id or "").rsplit("-", 1)[0]
        recorded.setdefault(name, []).append(row.http_status)
    # Every case either path records, it records alike (the unknown short name records none).
    assert "short name unknown" not in recorded
    assert all(len(codes) == 2 and codes[0] == codes[1] for codes in recorded.values())


async def test_raw_route_streams_and_refuses_a_body_over_the_limit(
    settings: Settings, sessions: SessionFactory
) -> None:
    conf = settings.model_copy(update={"max_body_bytes": 1000})
    app = create_app(conf)
    body = json.dumps({"padding": "x" * 5000}).encode()

    async def chunks() -> AsyncIterator[bytes]:  # no content-length: only the stream tells
        for start in range(0, len(body), 500):
            yield body[start : start + 500]

    headers = signed_headers(body, "issues", delivery="too-big-stream")
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://h"
        ) as client:
            response = await client.post("/api/webhooks/github", content=chunks(), headers=headers)
    assert response.status_code == 413
    assert response.json() == {
        "status": "rejected",
        "reason": "payload too large: limit is 1000 bytes",
    }
    async with sessions() as session:
        row = (
            await session.exec(
                select(WebhookEvent).where(WebhookEvent.delivery_id == "too-big-stream")
            )
        ).one()
    assert row.http_status == 413 and row.payload == {}


async def test_raw_route_bug_is_a_plain_500_and_raised(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.webhook_route

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(api.webhook_route, "receive", broken)
    app = create_app(settings)
    body = b"{}"
    sent: list[dict[str, Any]] = []
    async with app.router.lifespan_context(app):
        messages = iter([{"type": "http.request", "body": body, "more_body": False}])

        async def receive() -> dict[str, Any]:
            return next(messages)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "POST",
            "path": "/api/webhooks/github",
            "root_path": "",
            "headers": [
                (k.lower().encode(), v.encode()) for k, v in signed_headers(body, "push").items()
            ],
            "client": ("127.0.0.1", 5000),
        }
        with pytest.raises(RuntimeError, match="a bug"):
            await app(scope, receive, send)  # type: ignore[arg-type]
    assert sent[0]["status"] == 500
    assert sent[1]["body"] == b"Internal Server Error"
    assert dict(sent[0]["headers"])[b"content-type"] == b"text/plain; charset=utf-8"


async def test_raw_route_sender_gone_records_nothing(
    settings: Settings, sessions: SessionFactory
) -> None:
    app = create_app(settings)
    sent: list[dict[str, Any]] = []
    async with app.router.lifespan_context(app):
        sequence: list[dict[str, Any]] = [
            {"type": "http.request", "body": b'{"a":', "more_body": True},
            {"type": "http.disconnect"},
        ]
        messages = iter(sequence)

        async def receive() -> dict[str, Any]:
            return next(messages)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        headers = signed_headers(b'{"a": 1}', "push", delivery="gone-1")
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/api/webhooks/github",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 5000),
        }
        await app(scope, receive, send)  # type: ignore[arg-type]
    assert sent == []
    async with sessions() as session:
        rows = (
            await session.exec(select(WebhookEvent).where(WebhookEvent.delivery_id == "gone-1"))
        ).all()
    assert rows == []
