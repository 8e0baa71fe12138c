"""What a fine-grained token may do on the fake GitHub, and the two endpoints `hookflow check`
probes with that GitHub answers but the other fakes do not serve (git refs, workflow runs).

GitHub checks a token's permission before it validates the request: a token without
"Issues: write" gets 403 "Resource not accessible by personal access token" for
`POST /repos/{o}/{r}/issues` with an empty body, a token with it gets 422 (nothing created).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tests.support.fakes.github_app import (
    DOCS,
    REPO_PATH,
    HTTPError,
    RouteTable,
    invalid,
    json_response,
)
from tests.support.fakes.github_state import JSON, Repo, State, public

LEVELS = {"none": 0, "read": 1, "write": 2, "admin": 3}
DENIED = "Resource not accessible by personal access token"

_REPO = r"^/repos/[^/]+/[^/]+"
# (pattern under /repos/{o}/{r}, permission); the level is read for GET, write otherwise.
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(_REPO + r"/(issues|labels)(/|$)"), "issues"),
    (re.compile(_REPO + r"/pulls(/|$)"), "pull_requests"),
    (re.compile(_REPO + r"/(git|contents)(/|$)"), "contents"),
    (re.compile(_REPO + r"/actions(/|$)"), "actions"),
    (re.compile(_REPO + r"/commits/[^/]+/check-suites$"), "checks"),
    (re.compile(_REPO + r"/hooks(/|$)"), "repository_hooks"),
    (re.compile(_REPO + r"$"), "metadata"),
]


def required(method: str, route: str) -> tuple[str, str] | None:
    """The (permission, level) a request needs, or None for routes outside a repository."""
    for pattern, permission in _RULES:
        if pattern.search(route):
            if permission == "metadata":
                return permission, "read"
            return permission, "read" if method == "GET" else "write"
    return None


def check(granted: dict[str, str] | None, method: str, route: str) -> None:
    """Raise GitHub's 403 when a restricted token lacks what the request needs."""
    if granted is None:
        return
    need = required(method, route)
    if need is None:
        return
    permission, level = need
    have = "read" if permission == "metadata" else granted.get(permission, "none")
    if LEVELS[have] < LEVELS[level]:
        raise HTTPError(403, {"message": DENIED, "documentation_url": DOCS, "status": "403"})


class ProbeRoutes(RouteTable):
    """`GET …/actions/runs` (list) and `POST …/git/refs` (validation only: no git here)."""

    def __init__(self, state: State) -> None:
        super().__init__(
            state,
            [
                ("GET", rf"{REPO_PATH}/actions/runs", self.list_runs),
                ("POST", rf"{REPO_PATH}/git/refs", self.create_ref),
            ],
        )

    def list_runs(self, request: Request, body: Any, repo: Repo) -> Response:
        runs: list[JSON] = [public(run) for run in repo.runs.values()]
        runs.sort(key=lambda run: -int(run["id"]))
        try:
            per_page = min(100, max(1, int(request.query_params.get("per_page", 30))))
        except ValueError:
            per_page = 30
        return json_response(200, {"total_count": len(runs), "workflow_runs": runs[:per_page]})

    def create_ref(self, request: Request, body: Any, repo: Repo) -> Response:
        data = body if isinstance(body, dict) else {}
        for key in ("ref", "sha"):
            if not data.get(key):
                raise invalid("Reference", key, "missing_field")
        raise invalid("Reference", "sha", "invalid", "Object does not exist")
