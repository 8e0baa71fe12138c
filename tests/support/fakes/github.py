"""FakeGitHub: a real HTTP server on 127.0.0.1 speaking the GitHub REST endpoints hookflow uses.

with FakeGitHub(token="t0ken") as fake:
    fake.add_repo("octo/app")
    client = GitHubClient(fake.url, "t0ken")
    fake.fail_next("POST", r"/issues$", 500)
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from tests.support.fakes.github_app import BLOB_PATH, DOCS, HTTPError, Routes, json_response
from tests.support.fakes.github_hooks import HookLog, HookRoutes, add_delivery, scope_key
from tests.support.fakes.github_identity import AppIdentity
from tests.support.fakes.github_people import ROLES, PeopleRoutes
from tests.support.fakes.github_permissions import ProbeRoutes
from tests.support.fakes.github_permissions import check as check_permission
from tests.support.fakes.github_repo_hooks import RepoHook, RepoHookRoutes, ping_app_hook, ping_hook
from tests.support.fakes.github_state import JSON, Repo, State, public, user

_DEFAULT_MESSAGES = {
    401: "Bad credentials",
    403: "API rate limit exceeded for user ID 1.",
    404: "Not Found",
    422: "Validation Failed",
    429: "You have exceeded a secondary rate limit.",
    500: "Server Error",
    502: "Server Error",
    503: "Service Unavailable",
}


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]  # lower-case names


@dataclass
class _Rule:
    method: str
    pattern: re.Pattern[str]
    times: int | None
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    seconds: float = 0.0

    def take(self, method: str, path: str) -> bool:
        if self.method not in ("*", method) or not self.pattern.search(path):
            return False
        if self.times is not None:
            if self.times <= 0:
                return False
            self.times -= 1
        return True


class FakeGitHub:
    """GitHub's REST API for tests. `token=None` accepts any credentials; `prefix="/api/v3"`
    serves the API like GitHub Enterprise Server."""

    def __init__(
        self,
        *,
        token: str | None = None,
        prefix: str = "",
        log_url_ttl: float = 60,
        token_permissions: dict[str, str] | None = None,
    ):
        self.token = token
        # A fine-grained token's permissions ({"issues": "write", "actions": "read"}); None: all.
        self.token_permissions = token_permissions
        self.prefix = prefix.rstrip("/")
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self.root_url = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.root_url}{self.prefix}"
        self.state = State(api_url=self.url)
        self.routes = Routes(self.state, log_url_ttl=log_url_ttl)
        self.app: AppIdentity | None = None  # set by enable_app: GitHub App mode
        self.hooks = HookLog()
        self.hook_routes = HookRoutes(self.state, self.hooks, lambda: self.app)
        self.repo_hooks: dict[int, RepoHook] = {}
        self.repo_hook_routes = RepoHookRoutes(
            self.state, self.hooks, self.repo_hooks, lambda: self.app
        )
        self.probe_routes = ProbeRoutes(self.state)
        self.people_routes = PeopleRoutes(self.state)
        self.requests: list[RecordedRequest] = []
        self._faults: list[_Rule] = []
        self._delays: list[_Rule] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        config = uvicorn.Config(self, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            daemon=True,
            name=f"fake-github-{self.port}",
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("FakeGitHub did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None
        self._sock.close()

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget the recorded requests and every fault or delay rule, used up or not (a fake
        shared by several tests keeps their repositories, never their rules)."""
        with self.state.lock:
            self._faults.clear()
            self._delays.clear()
            self.requests.clear()

    # --- fault injection ----------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` matching requests with `status` (method "*" matches any).

        `path_regex` is searched in the request path; `body` defaults to GitHub's error shape
        (for 403 that is a rate-limit message: pass a body for a permission 403). Rules are
        checked before authentication, in the order they were added.
        """
        if body is None:
            body = {
                "message": _DEFAULT_MESSAGES.get(status, "Error"),
                "documentation_url": DOCS,
                "status": str(status),
            }
        with self.state.lock:
            self._faults.append(
                _Rule(
                    method.upper(),
                    re.compile(path_regex),
                    times,
                    status=status,
                    headers=dict(headers or {}),
                    body=body,
                )
            )

    def delay(
        self, method: str, path_regex: str, seconds: float, *, times: int | None = None
    ) -> None:
        """Hold matching requests for `seconds` before answering (all of them unless `times`)."""
        with self.state.lock:
            self._delays.append(
                _Rule(method.upper(), re.compile(path_regex), times, seconds=seconds)
            )

    def rate_limit_headers(self, *, reset_in: float = 60) -> dict[str, str]:
        """Headers of an exhausted primary rate limit (for fail_next(..., 403, headers=…))."""
        return {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-used": "5000",
            "x-ratelimit-resource": "core",
            "x-ratelimit-reset": str(int(time.time() + reset_in)),
        }

    # --- seeding ------------------------------------------------------------------------

    def add_repo(
        self, full_name: str, *, default_branch: str = "main", private: bool = False
    ) -> JSON:
        with self.state.lock:
            return self.state.add_repo(
                full_name, default_branch=default_branch, private=private
            ).data

    def add_issue(
        self,
        repo: str,
        *,
        title: str,
        body: str = "",
        labels: tuple[str, ...] = (),
        state: str = "open",
        author: str | None = None,
    ) -> JSON:
        """An issue; `author` is a stranger's login (default: the token's own account)."""
        with self.state.lock:
            return self.state.add_issue(
                self._repo(repo),
                title=title,
                body=body,
                labels=list(labels),
                state=state,
                author=user(author) if author else None,
            )

    def add_pull(
        self,
        repo: str,
        *,
        title: str,
        head: str,
        base: str | None = None,
        body: str = "",
        draft: bool = False,
    ) -> JSON:
        with self.state.lock:
            r = self._repo(repo)
            return self.state.add_pull(
                r,
                title=title,
                head=head,
                base=base or r.data["default_branch"],
                body=body,
                draft=draft,
            )

    def add_comment(self, repo: str, number: int, body: str, *, author: str | None = None) -> JSON:
        """A comment; `author` is a stranger's login (default: the token's own account)."""
        with self.state.lock:
            return self.state.add_comment(
                self._repo(repo), number, body, author=user(author) if author else None
            )

    def set_permission(self, repo: str, login: str, role: str) -> None:
        """`login`'s role on `repo` (admin, maintain, write, triage, read); anyone else reads a
        public repository and is unknown to a private one (404)."""
        assert role in ROLES, role
        with self.state.lock:
            self._repo(repo).permissions[login.lower()] = role

    def reactions(self, repo: str, number: int, comment_id: int | None = None) -> list[JSON]:
        """Reactions on an issue (or on one of its comments), oldest first."""
        with self.state.lock:
            return list(self._repo(repo).reactions.get((number, comment_id), []))

    def merge_pull(self, repo: str, number: int) -> JSON:
        with self.state.lock:
            pull = self._repo(repo).pulls[number]
            pull.update(
                state="closed",
                merged=True,
                merged_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            )
            pull["closed_at"] = pull["merged_at"]
            return pull

    def add_workflow_run(
        self,
        repo: str,
        *,
        run_id: int,
        name: str = "CI",
        head_branch: str | None = None,
        conclusion: str | None = "failure",
        jobs: list[JSON] | None = None,
        **fields: Any,
    ) -> JSON:
        """A workflow run with jobs; each job dict may set id, name, conclusion, steps
        ([{"name", "conclusion"}]) and logs (text served by the log download)."""
        with self.state.lock:
            r = self._repo(repo)
            run = {
                "id": run_id,
                "name": name,
                "conclusion": conclusion,
                "head_branch": head_branch or r.data["default_branch"],
                **fields,
            }
            if conclusion is None:
                run.setdefault("status", "in_progress")
            return public(self.state.add_run(r, run, list(jobs or [])))

    def add_check_suite(self, repo: str, *, head_sha: str, **options: Any) -> JSON:
        """A check suite on a commit; `options` are State.add_check_suite's (app, status,
        conclusion, head_branch, check_runs: 0 is an app that never ran)."""
        with self.state.lock:
            return self.state.add_check_suite(self._repo(repo), head_sha=head_sha, **options)

    def update_check_suite(self, suite: JSON, **fields: Any) -> None:
        """Change a suite in place (e.g. status="completed", conclusion="failure")."""
        with self.state.lock:
            suite.update(fields, updated_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))

    def set_job_logs(self, job_id: int, text: str) -> None:
        with self.state.lock:
            self.state.logs[job_id] = text

    # --- GitHub App identity and webhook deliveries -------------------------------------

    def enable_app(
        self,
        *,
        app_id: int,
        public_key: str,
        slug: str = "hookflow-app",
        token_ttl: float = 3600.0,
    ) -> AppIdentity:
        """App mode: `/app/…` and installation look-ups need the app's JWT; every other
        endpoint accepts only a live installation token (not `token`), and what it writes is
        authored by `<slug>[bot]`."""
        with self.state.lock:
            self.app = AppIdentity(app_id, public_key, slug, token_ttl)
            return self.app

    def install_app(self, repo: str, installation_id: int) -> None:
        assert self.app is not None, "call enable_app first"
        with self.state.lock:
            self.app.installations[repo.lower()] = installation_id

    def revoke_app_tokens(self) -> None:
        """Every installation token issued so far answers 401 from now on."""
        assert self.app is not None, "call enable_app first"
        with self.state.lock:
            for issued in self.app.tokens.values():
                issued.revoked = True

    def add_hook(self, repo: str, hook_id: int) -> None:
        with self.state.lock:
            self.hooks.attempts.setdefault(scope_key(repo, hook_id), [])

    def add_repo_hook(
        self,
        repo: str,
        *,
        url: str,
        events: list[str],
        secret: str = "",
        active: bool = True,
        content_type: str = "json",
    ) -> RepoHook:
        """A repository webhook; like GitHub, creating it sends a signed `ping` to `url`."""
        with self.state.lock:
            hook = RepoHook(
                self.state.new_id(), repo, url, list(events), secret, active, content_type
            )
            self.repo_hooks[hook.hook_id] = hook
            self.hooks.attempts.setdefault(scope_key(repo, hook.hook_id), [])
            if active:
                ping_hook(self.state, self.hooks, hook)
            return hook

    def set_app_hook(self, *, url: str, secret: str) -> None:
        """The App's own webhook URL and secret; GitHub pings it when it is set."""
        assert self.app is not None, "call enable_app first"
        with self.state.lock:
            self.app.hook_url, self.app.hook_secret = url, secret
            ping_app_hook(self.state, self.hooks, self.app)

    def add_delivery(self, **attempt: Any) -> JSON:
        """One delivery attempt of a repository hook (or, with repo=None, the App's hook): the
        keyword arguments of github_hooks.add_delivery (guid, event, repo, hook_id …)."""
        with self.state.lock:
            return add_delivery(self.state, self.hooks, **attempt)

    # --- inspection ---------------------------------------------------------------------

    def issues(self, repo: str) -> list[JSON]:
        """Plain issues (no pull requests), oldest first."""
        return [self._repo(repo).issues[n] for n in sorted(self._repo(repo).issues)]

    def issue(self, repo: str, number: int) -> JSON:
        return self._repo(repo).issues[number]

    def comments(self, repo: str, number: int) -> list[JSON]:
        return list(self._repo(repo).comments.get(number, []))

    def pulls(self, repo: str) -> list[JSON]:
        return [self._repo(repo).pulls[n] for n in sorted(self._repo(repo).pulls)]

    def pull(self, repo: str, number: int) -> JSON:
        return self._repo(repo).pulls[number]

    def jobs(self, repo: str, run_id: int) -> list[JSON]:
        return list(self._repo(repo).runs[run_id]["_jobs"])

    def requests_to(self, method: str, path_regex: str) -> list[RecordedRequest]:
        return [
            r
            for r in list(self.requests)
            if method.upper() in ("*", r.method) and re.search(path_regex, r.path)
        ]

    def _repo(self, full_name: str) -> Repo:
        repo = self.state.repo(full_name)
        if repo is None:
            raise KeyError(f"FakeGitHub has no repository {full_name!r}; call add_repo first")
        return repo

    # --- ASGI ---------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self._handle(request)
        await response(scope, receive, send)

    async def _handle(self, request: Request) -> Response:
        raw = await request.body()
        path = request.url.path
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = _INVALID
        self.requests.append(
            RecordedRequest(
                request.method,
                path,
                dict(request.query_params),
                None if body is _INVALID else body,
                {k.lower(): v for k, v in request.headers.items()},
            )
        )
        with self.state.lock:
            pause = sum(r.seconds for r in self._delays if r.take(request.method, path))
            fault = next((r for r in self._faults if r.take(request.method, path)), None)
        if pause:
            await asyncio.sleep(pause)
        if fault is not None:
            return json_response(fault.status, fault.body, fault.headers)
        if path.startswith(f"{BLOB_PATH}/") and path[len(BLOB_PATH) + 1 :].isdigit():
            return self.routes.serve_blob(request, int(path[len(BLOB_PATH) + 1 :]))
        headers = {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": "4999",
            "x-ratelimit-reset": str(int(time.time()) + 3600),
            "x-github-api-version-selected": "2022-11-28",
        }
        try:
            if not path.startswith(f"{self.prefix}/"):
                raise HTTPError(
                    404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"}
                )
            route = path[len(self.prefix) :]
            actor = self._authenticate(request, route)
            if body is _INVALID:
                raise HTTPError(
                    400,
                    {
                        "message": "Problems parsing JSON",
                        "documentation_url": DOCS,
                        "status": "400",
                    },
                )
            with self.state.lock:
                self.state.actor = actor
                try:
                    if self.app is None:
                        check_permission(self.token_permissions, request.method, route)
                    response = (
                        self.hook_routes.dispatch(request, route, body)
                        or self.repo_hook_routes.dispatch(request, route, body)
                        or self.probe_routes.dispatch(request, route, body)
                        or self.people_routes.dispatch(request, route, body)
                        or self.routes.dispatch(request, route, body)
                    )
                finally:
                    self.state.actor = None
        except HTTPError as exc:
            return json_response(exc.status, exc.body, headers | exc.headers)
        response.headers.update(headers)
        return response

    def _authenticate(self, request: Request, route: str) -> JSON | None:
        """Check the credentials; returns who acts (an App's bot) or None. 401 if refused."""
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        bearer = scheme.lower() in ("bearer", "token")
        with self.state.lock:
            app = self.app
            if app is None:
                if self.token is None or (bearer and credentials == self.token):
                    return None
            elif HookRoutes.needs_jwt(route):
                if bearer and app.check_jwt(credentials):
                    return None
                raise HTTPError(
                    401,
                    {
                        "message": "A JSON web token could not be decoded",
                        "documentation_url": DOCS,
                        "status": "401",
                    },
                )
            elif bearer and app.installation_of(credentials) is not None:
                return app.bot
        raise HTTPError(
            401, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}
        )


_INVALID = object()
