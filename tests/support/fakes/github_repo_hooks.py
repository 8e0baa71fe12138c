"""The fake GitHub's webhook configurations: repository hooks (list, get, ping), the App's hook
config, and the detail of one delivery (`GET …/deliveries/{id}`: the request GitHub sent, with
its signature headers, and the answer it got).

A ping is really sent: signed with the hook's secret (HMAC-SHA256 of the exact body) and POSTed
to the hook's URL, and the attempt is recorded with the status that URL answered (0: no answer).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote

import httpx
from starlette.requests import Request
from starlette.responses import Response

from tests.support.fakes.github_app import json_response, not_found
from tests.support.fakes.github_hooks import APP_SCOPE, HookLog, delivery_row, scope_key
from tests.support.fakes.github_identity import AppIdentity
from tests.support.fakes.github_state import JSON, State

ZEN = "Design for failure."


@dataclass
class RepoHook:
    hook_id: int
    repo: str
    url: str
    events: list[str]
    secret: str = ""
    active: bool = True
    content_type: str = "json"
    created_at: str = field(
        default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )

    def view(self, api_url: str) -> JSON:
        """GitHub's hook object: the secret is never shown, only masked."""
        base = f"{api_url}/repos/{self.repo}/hooks/{self.hook_id}"
        config: JSON = {"content_type": self.content_type, "insecure_ssl": "0", "url": self.url}
        if self.secret:
            config["secret"] = "********"
        return {
            "type": "Repository",
            "id": self.hook_id,
            "name": "web",
            "active": self.active,
            "events": list(self.events),
            "config": config,
            "created_at": self.created_at,
            "updated_at": self.created_at,
            "url": base,
            "test_url": f"{base}/test",
            "ping_url": f"{base}/pings",
            "deliveries_url": f"{base}/deliveries",
            "last_response": {"code": None, "status": "unused", "message": None},
        }


def signed_headers(body: bytes, secret: str, *, event: str, guid: str, hook_id: int) -> JSON:
    headers = {
        "Accept": "*/*",
        "User-Agent": "GitHub-Hookshot/fake",
        "X-GitHub-Delivery": guid,
        "X-GitHub-Event": event,
        "X-GitHub-Hook-ID": str(hook_id),
        "content-type": "application/json",
    }
    if secret:
        key = secret.encode()
        headers["X-Hub-Signature"] = "sha1=" + hmac.new(key, body, hashlib.sha1).hexdigest()
        headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    return headers


def send(
    state: State,
    log: HookLog,
    *,
    scope: str,
    url: str,
    secret: str,
    hook_id: int,
    event: str,
    payload: JSON,
) -> JSON:
    """POST one signed delivery to `url` and record the attempt with its detail."""
    guid = str(uuid.uuid4())
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = signed_headers(body, secret, event=event, guid=guid, hook_id=hook_id)
    try:
        answer = httpx.post(url, content=body, headers=headers, timeout=5)
        status, answer_text = answer.status_code, answer.text[:2000]
        answer_headers = {"Content-Type": answer.headers.get("content-type", "")}
    except httpx.HTTPError:
        status, answer_text, answer_headers = 0, "", {}
    row = delivery_row(
        state,
        guid=guid,
        event=event,
        action=None,
        status_code=status,
        delivered_at=datetime.now(UTC),
        repository_id=payload.get("repository", {}).get("id"),
    )
    log.attempts.setdefault(scope, []).append(row)
    log.details[int(row["id"])] = {
        "request": {"headers": headers, "payload": payload},
        "response": {"headers": answer_headers, "payload": answer_text},
    }
    return row


class RepoHookRoutes:
    """Hook endpoints the delivery log does not serve; `dispatch` returns None for others."""

    def __init__(
        self,
        state: State,
        log: HookLog,
        hooks: dict[int, RepoHook],
        app: Callable[[], AppIdentity | None],
    ) -> None:
        self.state, self.log, self.hooks, self._app = state, log, hooks, app
        r = r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"
        hook = rf"{r}/hooks/(?P<hook_id>\d+)"
        table: list[tuple[str, str, Callable[..., Response]]] = [
            ("GET", rf"{r}/hooks", self.list_hooks),
            ("GET", hook, self.get_hook),
            ("POST", rf"{hook}/pings", self.ping),
            ("GET", rf"{hook}/deliveries/(?P<delivery_id>\d+)", self.delivery),
            ("GET", r"/app/hook/config", self.app_hook_config),
            ("GET", r"/app/hook/deliveries/(?P<delivery_id>\d+)", self.delivery),
        ]
        self.table = [(m, re.compile(p + "$"), h) for m, p, h in table]

    def dispatch(self, request: Request, path: str) -> Response | None:
        for method, pattern, handler in self.table:
            match = pattern.match(path)
            if match and method == request.method:
                params = {k: unquote(v) for k, v in match.groupdict().items()}
                return handler(request, **params)
        return None

    def _hook(self, owner: str, name: str, hook_id: str) -> RepoHook:
        hook = self.hooks.get(int(hook_id))
        if hook is None or hook.repo.lower() != f"{owner}/{name}".lower():
            raise not_found()
        return hook

    def list_hooks(self, request: Request, owner: str, name: str) -> Response:
        if self.state.repo(f"{owner}/{name}") is None:
            raise not_found()
        repo = f"{owner}/{name}".lower()
        found = [h.view(self.state.api_url) for h in self.hooks.values() if h.repo.lower() == repo]
        return json_response(200, found)

    def get_hook(self, request: Request, owner: str, name: str, hook_id: str) -> Response:
        return json_response(200, self._hook(owner, name, hook_id).view(self.state.api_url))

    def ping(self, request: Request, owner: str, name: str, hook_id: str) -> Response:
        hook = self._hook(owner, name, hook_id)
        ping_hook(self.state, self.log, hook)
        return Response(status_code=204)

    def delivery(
        self,
        request: Request,
        delivery_id: str,
        owner: str | None = None,
        name: str | None = None,
        hook_id: str | None = None,
    ) -> Response:
        if owner is None:
            if self._app() is None:
                raise not_found()
            scope = APP_SCOPE
        else:
            scope = scope_key(f"{owner}/{name}", int(hook_id or 0))
        row = next(
            (d for d in self.log.attempts.get(scope, []) if d["id"] == int(delivery_id)), None
        )
        if row is None:
            raise not_found()
        detail = self.log.details.get(
            int(delivery_id),
            {"request": {"headers": None, "payload": None}, "response": {"headers": None}},
        )
        return json_response(200, {**row, "url": "", **detail})

    def app_hook_config(self, request: Request) -> Response:
        app = self._app()
        if app is None:
            raise not_found()
        config: JSON = {"content_type": "json", "insecure_ssl": "0", "url": app.hook_url}
        if app.hook_secret:
            config["secret"] = "********"
        return json_response(200, config)


def ping_hook(state: State, log: HookLog, hook: RepoHook) -> JSON:
    """What GitHub does when a hook is created or pinged: a signed `ping` to its URL."""
    repo = state.repo(hook.repo)
    payload: JSON = {
        "zen": ZEN,
        "hook_id": hook.hook_id,
        "hook": hook.view(state.api_url),
        "repository": repo.data if repo else {},
        "sender": state.user(),
    }
    return send(
        state,
        log,
        scope=scope_key(hook.repo, hook.hook_id),
        url=hook.url,
        secret=hook.secret,
        hook_id=hook.hook_id,
        event="ping",
        payload=payload,
    )


def ping_app_hook(state: State, log: HookLog, app: AppIdentity) -> JSON:
    """The signed `ping` GitHub sends to an App's webhook URL when it is set."""
    payload: JSON = {
        "zen": ZEN,
        "hook_id": app.app_id,
        "hook": {"type": "App", "app_id": app.app_id},
    }
    return send(
        state,
        log,
        scope=APP_SCOPE,
        url=app.hook_url,
        secret=app.hook_secret,
        hook_id=app.app_id,
        event="ping",
        payload=payload,
    )
