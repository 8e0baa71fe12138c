"""The fake GitHub's HTTP surface: REST routes with GitHub's status codes, errors and Link pages."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from tests.support.fakes.github_state import JSON, Repo, State, issue_view_of_pull, now, public

DOCS = "https://docs.github.com/rest"
MAX_BODY = 65_536
BLOB_PATH = "/_fake-blobs/job-logs"


class HTTPError(Exception):
    def __init__(self, status: int, body: JSON, headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}


def error(status: int, message: str, docs: str = DOCS, **extra: Any) -> HTTPError:
    return HTTPError(
        status, {"message": message, "documentation_url": docs, "status": str(status), **extra}
    )


def not_found() -> HTTPError:
    return error(404, "Not Found")


def invalid(resource: str, field: str, code: str, message: str | None = None) -> HTTPError:
    entry = {"resource": resource, "code": code, "field": field}
    if message:
        entry["message"] = message
    return error(422, "Validation Failed", errors=[entry])


def custom_invalid(resource: str, message: str) -> HTTPError:
    """A 422 whose error has no field, only GitHub's `custom` code and a message."""
    return error(
        422,
        "Validation Failed",
        errors=[{"resource": resource, "code": "custom", "message": message}],
    )


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        body, status_code=status, headers=headers, media_type="application/json; charset=utf-8"
    )


Handler = Callable[..., Response]
REPO_PATH = r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"


class RouteTable:
    """A table of (method, path pattern, handler) over `State`: the HTTP plumbing of every part
    of the fake. `dispatch` calls the handler whose method and pattern match, under the state's
    lock, as `handler(request, body, **path parameters)` — with the repository of a path under
    /repos/{owner}/{name} (404 if unknown) as `repo` — or returns None for other paths."""

    def __init__(self, state: State, table: list[tuple[str, str, Handler]]) -> None:
        self.state = state
        self.table = [(m, re.compile(p + "$"), h) for m, p, h in table]

    def dispatch(self, request: Request, path: str, body: Any) -> Response | None:
        for method, pattern, handler in self.table:
            match = pattern.match(path)
            if match and method == request.method:
                params: dict[str, Any] = {k: unquote(v) for k, v in match.groupdict().items()}
                with self.state.lock:
                    if "owner" in params:
                        params["repo"] = self._repo(params.pop("owner"), params.pop("name"))
                    return handler(request, body, **params)
        return None

    def serves(self, path: str) -> bool:
        """Whether some route of the table has this path (with any method)."""
        return any(pattern.match(path) for _, pattern, _ in self.table)

    def _repo(self, owner: str, name: str) -> Repo:
        repo = self.state.repo(f"{owner}/{name}")
        if repo is None:
            raise not_found()
        return repo


class Routes(RouteTable):
    """GitHub REST endpoints over `State`; `dispatch` returns a Response or raises HTTPError
    (404 for a path no route has, 405 for a method a path's routes do not take)."""

    def __init__(self, state: State, *, log_url_ttl: float = 60.0) -> None:
        self.log_url_ttl = log_url_ttl
        self._blob_tokens: dict[str, tuple[int, float]] = {}
        r = REPO_PATH
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/user", self.get_user),
            ("GET", r, self.get_repo),
            ("GET", rf"{r}/issues", self.list_issues),
            ("POST", rf"{r}/issues", self.create_issue),
            ("GET", rf"{r}/issues/(?P<number>\d+)", self.get_issue),
            ("PATCH", rf"{r}/issues/(?P<number>\d+)", self.update_issue),
            ("GET", rf"{r}/issues/(?P<number>\d+)/labels", self.list_labels),
            ("POST", rf"{r}/issues/(?P<number>\d+)/labels", self.add_labels),
            ("DELETE", rf"{r}/issues/(?P<number>\d+)/labels/(?P<label>[^/]+)", self.remove_label),
            ("GET", rf"{r}/issues/(?P<number>\d+)/comments", self.list_comments),
            ("POST", rf"{r}/issues/(?P<number>\d+)/comments", self.create_comment),
            ("GET", rf"{r}/pulls", self.list_pulls),
            ("POST", rf"{r}/pulls", self.create_pull),
            ("GET", rf"{r}/pulls/(?P<number>\d+)", self.get_pull),
            ("GET", rf"{r}/actions/runs/(?P<run_id>\d+)", self.get_run),
            ("GET", rf"{r}/actions/runs/(?P<run_id>\d+)/jobs", self.list_jobs),
            ("GET", rf"{r}/actions/jobs/(?P<job_id>\d+)", self.get_job),
            ("GET", rf"{r}/actions/jobs/(?P<job_id>\d+)/logs", self.job_logs),
            ("GET", rf"{r}/commits/(?P<ref>[^/]+)/check-suites", self.list_check_suites),
        ]
        super().__init__(state, table)

    def dispatch(self, request: Request, path: str, body: Any) -> Response:
        response = super().dispatch(request, path, body)
        if response is None:
            raise error(405, "Method Not Allowed") if self.serves(path) else not_found()
        return response

    def serve_blob(self, request: Request, job_id: int) -> Response:
        """The short-lived log URL; authorised by its `token` query parameter only."""
        token = request.query_params.get("token", "")
        granted = self._blob_tokens.get(token)
        if granted is None or granted[0] != job_id or granted[1] < time.time():
            return PlainTextResponse(
                "<Error><Code>AuthenticationFailed</Code></Error>",
                status_code=403,
                media_type="application/xml",
            )
        with self.state.lock:
            text = self.state.logs.get(job_id)
        if text is None:
            return PlainTextResponse("<Error><Code>BlobNotFound</Code></Error>", status_code=404)
        return PlainTextResponse(text)

    # --- helpers ------------------------------------------------------------------------

    def _number(self, repo: Repo, number: str) -> int:
        n = int(number)
        if n not in repo.issues and n not in repo.pulls:
            raise not_found()
        return n

    @staticmethod
    def _object(body: Any) -> JSON:
        if not isinstance(body, dict):
            raise error(400, "Problems parsing JSON")
        return body

    @staticmethod
    def _check_body(resource: str, text: Any) -> None:
        if text is not None and not isinstance(text, str):
            raise invalid(resource, "body", "invalid")
        if text is not None and len(text) > MAX_BODY:
            raise invalid(
                resource, "body", "custom", f"body is too long (maximum is {MAX_BODY} characters)"
            )

    @staticmethod
    def _page(request: Request, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
        """One page of `items` and its Link header, as GitHub's per_page/page work."""
        try:
            per_page = min(100, max(1, int(request.query_params.get("per_page", 30))))
            page = max(1, int(request.query_params.get("page", 1)))
        except ValueError:
            per_page, page = 30, 1
        last = max(1, -(-len(items) // per_page))
        links = []
        for rel, target in (("prev", page - 1), ("next", page + 1), ("last", last), ("first", 1)):
            if (rel in ("prev", "first") and page > 1) or (rel in ("next", "last") and page < last):
                url = request.url.include_query_params(page=target)
                links.append(f'<{url}>; rel="{rel}"')
        headers = {"Link": ", ".join(links)} if links else {}
        return items[(page - 1) * per_page : page * per_page], headers

    def _issue_view(self, repo: Repo, number: int) -> JSON:
        if number in repo.issues:
            return repo.issues[number]
        return issue_view_of_pull(repo.pulls[number])

    # --- the authenticated user ---------------------------------------------------------

    def get_user(self, request: Request, body: Any) -> Response:
        """The token's account (every write through the API is authored by it)."""
        return json_response(200, self.state.viewer)

    # --- repositories and issues --------------------------------------------------------

    def get_repo(self, request: Request, body: Any, repo: Repo) -> Response:
        return json_response(200, repo.data)

    def list_issues(self, request: Request, body: Any, repo: Repo) -> Response:
        state = request.query_params.get("state", "open")
        wanted = {x.strip().lower() for x in request.query_params.get("labels", "").split(",")}
        wanted.discard("")
        views = [self._issue_view(repo, n) for n in sorted({*repo.issues, *repo.pulls})]
        views = [
            v
            for v in reversed(views)  # newest first, as GitHub sorts by default
            if state in ("all", v["state"])
            and wanted <= {label["name"].lower() for label in v["labels"]}
        ]
        page, headers = self._page(request, views)
        return json_response(200, page, headers)

    def create_issue(self, request: Request, body: Any, repo: Repo) -> Response:
        data = self._object(body)
        if not data.get("title"):
            raise invalid("Issue", "title", "missing_field")
        self._check_body("Issue", data.get("body"))
        issue = self.state.add_issue(
            repo,
            title=str(data["title"]),
            body=data.get("body"),
            labels=[str(x) for x in data.get("labels") or []],
            state="open",
        )
        return json_response(201, issue, {"Location": issue["url"]})

    def get_issue(self, request: Request, body: Any, repo: Repo, number: str) -> Response:
        return json_response(200, self._issue_view(repo, self._number(repo, number)))

    def update_issue(self, request: Request, body: Any, repo: Repo, number: str) -> Response:
        n = self._number(repo, number)
        data = self._object(body)
        target = repo.issues.get(n) or repo.pulls[n]
        self._check_body("Issue", data.get("body"))
        state = data.get("state")
        if state is not None and state not in ("open", "closed"):
            raise invalid("Issue", "state", "invalid")
        reason = data.get("state_reason")
        if reason not in (None, "completed", "not_planned", "reopened", "duplicate"):
            raise invalid("Issue", "state_reason", "invalid")
        for key in ("title", "body"):
            if key in data:
                target[key] = data[key]
        if state is not None and state != target["state"]:
            target["state"] = state
            target["closed_at"] = now() if state == "closed" else None
            if n in repo.issues:
                target["state_reason"] = reason or (
                    "completed" if state == "closed" else "reopened"
                )
        elif reason is not None and n in repo.issues:
            target["state_reason"] = reason
        target["updated_at"] = now()
        return json_response(200, self._issue_view(repo, n))

    def list_labels(self, request: Request, body: Any, repo: Repo, number: str) -> Response:
        return json_response(200, self._issue_view(repo, self._number(repo, number))["labels"])

    def add_labels(self, request: Request, body: Any, repo: Repo, number: str) -> Response:
        n = self._number(repo, number)
        names = body.get("labels") if isinstance(body, dict) else body
        if not isinstance(names, list) or not all(isinstance(x, str) for x in names):
            raise invalid("Label", "labels", "invalid")
        target = repo.issues.get(n) or repo.pulls[n]
        present = {label["name"].lower() for label in target["labels"]}
        for label_name in names:
            if label_name.lower() not in present:
                target["labels"].append(self.state.label(repo, label_name))
                present.add(label_name.lower())
        return json_response(200, target["labels"])

    def remove_label(
        self, request: Request, body: Any, repo: Repo, number: str, label: str
    ) -> Response:
        n = self._number(repo, number)
        target = repo.issues.get(n) or repo.pulls[n]
        kept = [x for x in target["labels"] if x["name"].lower() != label.lower()]
        if len(kept) == len(target["labels"]):
            raise error(404, "Label does not exist")
        target["labels"] = kept
        return json_response(200, kept)

    def list_comments(self, request: Request, body: Any, repo: Repo, number: str) -> Response:
        page, headers = self._page(request, repo.comments.get(self._number(repo, number), []))
        return json_response(200, page, headers)

    def create_comment(self, request: Request, body: Any, repo: Repo, number: str) -> Response:
        n = self._number(repo, number)
        data = self._object(body)
        if not data.get("body"):
            raise invalid("IssueComment", "body", "missing_field")
        self._check_body("IssueComment", data["body"])
        comment = self.state.add_comment(repo, n, data["body"])
        return json_response(201, comment, {"Location": comment["url"]})

    # --- pull requests ------------------------------------------------------------------

    def list_pulls(self, request: Request, body: Any, repo: Repo) -> Response:
        q = request.query_params
        state, head, base = q.get("state", "open"), q.get("head"), q.get("base")
        pulls = [
            p
            for p in sorted(repo.pulls.values(), key=lambda p: -p["number"])
            if state in ("all", p["state"])
            and (head is None or p["head"]["label"].lower() == head.lower())
            and (base is None or p["base"]["ref"] == base)
        ]
        page, headers = self._page(request, pulls)
        return json_response(200, page, headers)

    def create_pull(self, request: Request, body: Any, repo: Repo) -> Response:
        data = self._object(body)
        for key in ("head", "base"):
            if not data.get(key):
                raise invalid("PullRequest", key, "missing_field")
        if not data.get("title") and not data.get("issue"):
            raise invalid("PullRequest", "title", "missing_field")
        self._check_body("PullRequest", data.get("body"))
        head, base = str(data["head"]), str(data["base"])
        label = head if ":" in head else f"{repo.owner}:{head}"
        if label.split(":", 1)[1] == base and label.split(":", 1)[0] == repo.owner:
            raise custom_invalid("PullRequest", f"No commits between {base} and {head}")
        for pull in repo.pulls.values():
            if (
                pull["state"] == "open"
                and pull["head"]["label"].lower() == label.lower()
                and pull["base"]["ref"] == base
            ):
                raise custom_invalid("PullRequest", f"A pull request already exists for {label}.")
        pull = self.state.add_pull(
            repo,
            title=str(data.get("title") or ""),
            head=head,
            base=base,
            body=data.get("body"),
            draft=bool(data.get("draft")),
        )
        return json_response(201, pull, {"Location": pull["url"]})

    def get_pull(self, request: Request, body: Any, repo: Repo, number: str) -> Response:
        pull = repo.pulls.get(int(number))
        if pull is None:
            raise not_found()
        return json_response(200, pull)

    # --- actions ------------------------------------------------------------------------

    def get_run(self, request: Request, body: Any, repo: Repo, run_id: str) -> Response:
        run = repo.runs.get(int(run_id))
        if run is None:
            raise not_found()
        return json_response(200, public(run))

    def list_jobs(self, request: Request, body: Any, repo: Repo, run_id: str) -> Response:
        run = repo.runs.get(int(run_id))
        if run is None:
            raise not_found()
        page, headers = self._page(request, run["_jobs"])
        return json_response(200, {"total_count": len(run["_jobs"]), "jobs": page}, headers)

    def list_check_suites(self, request: Request, body: Any, repo: Repo, ref: str) -> Response:
        """Check suites of a commit (`ref` is a SHA or a branch name), optionally by app_id."""
        app_id = request.query_params.get("app_id")
        suites = [
            s
            for s in repo.check_suites
            if ref in (s["head_sha"], s["head_branch"])
            and (app_id is None or str(s["app"]["id"]) == app_id)
        ]
        page, headers = self._page(request, suites)
        return json_response(200, {"total_count": len(suites), "check_suites": page}, headers)

    def _find_job(self, repo: Repo, job_id: str) -> JSON:
        found = self.state.jobs.get(int(job_id))
        if found is None or found[0].lower() != repo.full_name.lower():
            raise not_found()
        return found[1]

    def get_job(self, request: Request, body: Any, repo: Repo, job_id: str) -> Response:
        return json_response(200, self._find_job(repo, job_id))

    def job_logs(self, request: Request, body: Any, repo: Repo, job_id: str) -> Response:
        job = self._find_job(repo, job_id)
        if job["id"] not in self.state.logs:
            raise not_found()
        token = secrets.token_urlsafe(16)
        self._blob_tokens[token] = (job["id"], time.time() + self.log_url_ttl)
        root = str(request.base_url).rstrip("/")
        return RedirectResponse(f"{root}{BLOB_PATH}/{job['id']}?token={token}", status_code=302)
