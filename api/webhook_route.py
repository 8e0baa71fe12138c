"""The webhook POSTs (`/api/webhooks/github`, `/`, `/webhook/{owner}/{repo}`, `/webhook/{name}`)
as a raw ASGI route, run by the app (api/main.py) before FastAPI's
middleware, routing and dependency injection: per delivery only what it needs — the pipeline
(delivery/receive.py), the answers and error mapping of api/webhooks.py and api/errors.py,
the delivery's metrics and log context — and no Request, Response or dependency objects."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any, NamedTuple

from api.errors import answer_for
from api.instruments import delivery_outcome
from delivery.path_repo import resolve_short_name
from delivery.receive import receive
from ops.log_context import bind, unbind
from routing import fields as f

if TYPE_CHECKING:
    from api.deps import AppState

log = logging.getLogger("hookflow.webhooks")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

ROOT_PATHS = frozenset(("/api/webhooks/github", "/"))
# As Starlette matches `/webhook/{owner}/{repo}` and `/webhook/{name}`: each part is one
# non-empty path segment.
_REPO_PATH = re.compile(r"/webhook/([^/]+)/([^/]+)")
_NAME_PATH = re.compile(r"/webhook/([^/]+)")
_JSON = b"application/json"


class WebhookPath(NamedTuple):
    repo: str | None = None  # `owner/repo` of /webhook/{owner}/{repo}: its secret, its check
    name: str | None = None  # the short name of /webhook/{name}, resolved per request


class ClientDisconnected(Exception):
    """The sender went away before its body was read: nobody is left to answer."""


def route_path(scope: Scope) -> str:
    """The path without the app's root_path (what Starlette's router matches)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path != root and path[len(root)] == "/":
        return path[len(root) :]
    return path


def match(scope: Scope) -> WebhookPath | None:
    """The webhook route a POST is for, or None (FastAPI answers everything else)."""
    path = route_path(scope)
    if path in ROOT_PATHS:
        return WebhookPath()
    found = _REPO_PATH.fullmatch(path)
    if found:
        return WebhookPath(repo=f"{found[1]}/{found[2]}")
    named = _NAME_PATH.fullmatch(path)
    return WebhookPath(name=named[1]) if named else None


def headers_of(scope: Scope) -> dict[str, str]:
    """Lower-case names (the first of repeated ones, as Starlette's `Headers.get`)."""
    found: dict[str, str] = {}
    for name, value in scope["headers"]:
        key = name.decode("latin-1").lower()
        if key not in found:
            found[key] = value.decode("latin-1")
    return found


async def body_chunks(receive_message: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive_message()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        chunk: bytes = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


async def answer(send: Send, status: int, body: bytes, content_type: bytes = _JSON) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-length", str(len(body)).encode()),
                (b"content-type", content_type),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def json_body(content: Any) -> bytes:
    """Exactly the bytes FastAPI's JSONResponse renders."""
    return json.dumps(
        content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


async def handle(
    state: AppState, target: WebhookPath, scope: Scope, receive_message: Receive, send: Send
) -> None:
    """One delivery: the same steps, answers and counts as api/webhooks.py's routes."""
    started = time.perf_counter()
    repo = target.repo
    if target.name is not None:
        found = resolve_short_name(
            target.name, state.secrets.known_repos(), state.settings.allowed_repo_set
        )
        if found.full_name is None:
            await answer(send, 404, json_body({"status": "rejected", "reason": found.reason}))
            return
        repo = found.full_name
    headers = headers_of(scope)
    secrets = state.secrets.webhook_secrets
    if repo is not None:
        secrets = state.secrets.repo_secrets(repo) or secrets
    event = f.clean(headers.get("x-github-event") or "") or None
    client = scope.get("client")
    tokens = bind(delivery_id=f.fit(f.clean(headers.get("x-github-delivery") or ""), 100) or None)
    try:
        outcome = await receive(
            state.intake,
            headers,
            body_chunks(receive_message),
            client=client[0] if client else "unknown",
            secrets=secrets,
            path_repo=repo,
        )
    except ClientDisconnected:
        log.info("sender disconnected before its delivery was read; nothing recorded")
        return
    except Exception as exc:
        mapped = answer_for(exc)
        if mapped is None:
            # What Starlette's ServerErrorMiddleware answers; the server logs the exception.
            await answer(send, 500, b"Internal Server Error", b"text/plain; charset=utf-8")
            raise
        await answer(send, mapped[0], json_body(mapped[1]))
        return
    finally:
        unbind(tokens)
    state.metrics.delivery(
        event,
        delivery_outcome(
            outcome.status_code, outcome.body.get("status"), redelivery=outcome.redelivery
        ),
        time.perf_counter() - started,
    )
    await answer(send, outcome.status_code, json_body(outcome.body))
