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
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response

from tests.support.fakes.github_app import REPO_PATH, Handler, json_response, not_found
from tests.support.fakes.github_hooks import APP_SCOPE, HookLog, HookTable, delivery_row, scope_key
from tests.support.fakes.github_identity import AppIdentity
from tests.support.fakes.github_state import JSON, Repo, State

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


class RepoHookRoutes(HookTable):
    """Hook endpoints the delivery log does not serve; `dispatch` returns None for others."""

    def __init__(
        self,
        state: State,
        log: HookLog,
        hooks: dict[int, RepoHook],
        app: Callable[[], AppIdentity | None],
    ) -> None:
        self.hooks = hooks
        hook = rf"{REPO_PATH}/hooks/(?P<hook_id>\d+)"
        table: list[tuple[str, str, Handler]] = [
            ("GET", rf"{REPO_PATH}/hooks", self.list_hooks),
            ("GET", hook, self.get_hook),
            ("POST", rf"{hook}/pings", self.ping),
            ("GET", rf"{hook}/deliveries/(?P<delivery_id>\d+)", self.delivery),
            ("GET", r"/app/hook/config", self.app_hook_config),
            ("GET", r"/app/hook/deliveries/(?P<delivery_id>\d+)", self.delivery),
        ]
        super().__init__(state, log, app, table)

    def _hook(self, repo: Repo, hook_id: str) -> RepoHook:
        hook = self.hooks.get(int(hook_id))
        if hook is None or hook.repo.lower() != repo.full_name.lower():
            raise not_found()
        return hook

    def list_hooks(self, request: Request, body: Any, repo: Repo) -> Response:
        name = repo.full_name.lower()
        found = [h.view(self.state.api_url) for h in self.hooks.values() if h.repo.lower() == name]
        return json_response(200, found)

    def get_hook(self, request: Request, body: Any, repo: Repo, hook_id: str) -> Response:
        return json_response(200, self._hook(repo, hook_id).view(self.state.api_url))

    def ping(self, request: Request, body: Any, repo: Repo, hook_id: str) -> Response:
        ping_hook(self.state, self.log, self._hook(repo, hook_id))
        return Response(status_code=204)

    def delivery(self, request: Request, body: Any, delivery_id: str, **hook: Any) -> Response:
        row = self._attempt(self._scope(**hook), delivery_id)
        detail = self.log.details.get(
            int(delivery_id),
            {"request": {"headers": None, "payload": None}, "response": {"headers": None}},
        )
        return json_response(200, {**row, "url": "", **detail})

    def app_hook_config(self, request: Request, body: Any) -> Response:
        app = self._require_app()
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
