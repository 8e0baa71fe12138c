"""The fake GitHub's webhook-delivery log and its App endpoints (installations, access tokens).

Deliveries follow GitHub's API: one row per attempt, newest first, cursor pagination through
the `Link` header, and `POST …/deliveries/{id}/attempts` to ask for a redelivery (202).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tests.support.fakes.github_app import (
    REPO_PATH,
    Handler,
    RouteTable,
    error,
    json_response,
    not_found,
)
from tests.support.fakes.github_identity import AppIdentity
from tests.support.fakes.github_state import JSON, Repo, State

APP_SCOPE = "app"  # deliveries of the App's own webhook (GET /app/hook/deliveries)


@dataclass
class HookLog:
    """Delivery attempts per hook scope: "owner/repo:hook_id" or APP_SCOPE."""

    attempts: dict[str, list[JSON]] = field(default_factory=dict)
    redelivery_requests: list[tuple[str, int]] = field(default_factory=list)
    redelivery_status: int = 200  # what a requested redelivery gets as its own attempt
    # Delivery id -> the request GitHub sent and the answer it got (GET …/deliveries/{id}).
    details: dict[int, JSON] = field(default_factory=dict)


def scope_key(repo: str | None, hook_id: int | None) -> str:
    return APP_SCOPE if repo is None else f"{repo.lower()}:{hook_id}"


def delivery_row(
    state: State,
    *,
    guid: str,
    event: str,
    action: str | None,
    status_code: int,
    delivered_at: datetime,
    redelivery: bool = False,
    repository_id: int | None = None,
    installation_id: int | None = None,
) -> JSON:
    return {
        "id": state.new_id() * 1000 + 7,
        "guid": guid,
        "delivered_at": delivered_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "redelivery": redelivery,
        "duration": 0.27,
        "status": "OK"
        if 200 <= status_code < 300
        else ("Invalid HTTP Response: 503" if status_code else "timed out"),
        "status_code": status_code,
        "event": event,
        "action": action,
        "installation_id": installation_id,
        "repository_id": repository_id,
        "throttled_at": None,
    }


class HookTable(RouteTable):
    """Routes over the delivery log. `app` is read at request time (None: App endpoints answer
    404 as for a plain token)."""

    def __init__(
        self,
        state: State,
        log: HookLog,
        app: Callable[[], AppIdentity | None],
        table: list[tuple[str, str, Handler]],
    ) -> None:
        self.log, self._app = log, app
        super().__init__(state, table)

    def _require_app(self) -> AppIdentity:
        app = self._app()
        if app is None:
            raise not_found()
        return app

    def _scope(self, repo: Repo | None = None, hook_id: str | None = None) -> str:
        """The log a path names: a repository hook's, or (no repository) the App's; 404 if none."""
        if repo is None:
            self._require_app()
            return APP_SCOPE
        key = scope_key(repo.full_name, int(hook_id or 0))
        if key not in self.log.attempts:
            raise not_found()
        return key

    def _attempt(self, scope: str, delivery_id: str) -> JSON:
        """One recorded attempt of the log `scope`; 404 if it has none with that id."""
        found = (d for d in self.log.attempts.get(scope, []) if d["id"] == int(delivery_id))
        attempt = next(found, None)
        if attempt is None:
            raise not_found()
        return attempt


class HookRoutes(HookTable):
    """The delivery log and the App's installations; `dispatch` returns None for other paths."""

    def __init__(self, state: State, log: HookLog, app: Callable[[], AppIdentity | None]) -> None:
        hooks = rf"{REPO_PATH}/hooks/(?P<hook_id>\d+)/deliveries"
        tokens = r"/app/installations/(?P<installation_id>\d+)/access_tokens"
        table: list[tuple[str, str, Handler]] = [
            ("GET", r"/app", self.get_app),
            ("GET", rf"{REPO_PATH}/installation", self.repo_installation),
            ("POST", tokens, self.access_token),
            ("GET", hooks, self.list_deliveries),
            ("POST", rf"{hooks}/(?P<delivery_id>\d+)/attempts", self.redeliver),
            ("GET", r"/app/hook/deliveries", self.list_deliveries),
            ("POST", r"/app/hook/deliveries/(?P<delivery_id>\d+)/attempts", self.redeliver),
        ]
        super().__init__(state, log, app, table)

    @staticmethod
    def needs_jwt(path: str) -> bool:
        """GitHub authenticates these as the App itself, never with an installation token."""
        return path == "/app" or path.startswith("/app/") or path.endswith("/installation")

    # --- App installations --------------------------------------------------------------

    def get_app(self, request: Request, body: Any) -> Response:
        app = self._require_app()
        return json_response(
            200,
            {
                "id": app.app_id,
                "slug": app.slug,
                "name": app.slug,
                "owner": {"login": "acme"},
                "permissions": dict(app.permissions),
                "events": list(app.events),
            },
        )

    def repo_installation(self, request: Request, body: Any, repo: Repo) -> Response:
        app = self._require_app()
        installation_id = app.installations.get(repo.full_name.lower())
        if installation_id is None:
            raise not_found()
        return json_response(200, app.installation(installation_id, repo.owner))

    def access_token(self, request: Request, body: Any, installation_id: str) -> Response:
        app = self._require_app()
        if int(installation_id) not in app.installations.values():
            raise not_found()
        return json_response(201, app.issue(int(installation_id)))

    # --- deliveries ---------------------------------------------------------------------

    def list_deliveries(self, request: Request, body: Any, **hook: Any) -> Response:
        rows = sorted(
            self.log.attempts.get(self._scope(**hook), []),
            key=lambda d: (d["delivered_at"], d["id"]),
            reverse=True,
        )
        q = request.query_params
        try:
            per_page = min(100, max(1, int(q.get("per_page", 30))))
        except ValueError:
            raise error(422, "Invalid per_page") from None
        cursor = q.get("cursor")
        if cursor:
            if not cursor.startswith("v1_") or not cursor[3:].isdigit():
                raise error(422, "Invalid cursor")
            start = next((i for i, d in enumerate(rows) if d["id"] == int(cursor[3:])), None)
            if start is None:
                raise error(422, "Invalid cursor")
            rows = rows[start:]
        page, rest = rows[:per_page], rows[per_page:]
        headers: dict[str, str] = {}
        if rest:
            url = request.url.include_query_params(cursor=f"v1_{rest[0]['id']}", per_page=per_page)
            headers["Link"] = f'<{url}>; rel="next"'
        return json_response(200, page, headers)

    def redeliver(self, request: Request, body: Any, delivery_id: str, **hook: Any) -> Response:
        scope = self._scope(**hook)
        original = self._attempt(scope, delivery_id)
        self.log.redelivery_requests.append((scope, int(delivery_id)))
        self.log.attempts[scope].append(
            delivery_row(
                self.state,
                guid=original["guid"],
                event=original["event"],
                action=original["action"],
                status_code=self.log.redelivery_status,
                delivered_at=datetime.now(UTC),
                redelivery=True,
                repository_id=original["repository_id"],
                installation_id=original["installation_id"],
            )
        )
        return json_response(202, {})


def add_delivery(
    state: State,
    log: HookLog,
    *,
    guid: str,
    event: str,
    repo: str | None = None,
    hook_id: int | None = None,
    action: str | None = None,
    status_code: int = 503,
    age: timedelta = timedelta(0),
    redelivery: bool = False,
) -> JSON:
    """Record one attempt `age` ago (`repo=None`: the App's webhook)."""
    key = scope_key(repo, hook_id)
    repo_id = state.repo(repo).data["id"] if repo and state.repo(repo) else None  # type: ignore[union-attr]
    row = delivery_row(
        state,
        guid=guid,
        event=event,
        action=action,
        status_code=status_code,
        delivered_at=datetime.now(UTC) - age,
        redelivery=redelivery,
        repository_id=repo_id,
    )
    log.attempts.setdefault(key, []).append(row)
    return row
