"""The fake GitHub's data: repositories, issues, pulls, comments, runs, jobs, in GitHub's shapes."""

from __future__ import annotations

import hashlib
import itertools
import threading
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]
WEB = "https://github.com"
BOT = {"login": "hookflow-bot", "id": 1, "type": "Bot", "html_url": f"{WEB}/apps/hookflow-bot"}


def user(login: str) -> JSON:
    """Another GitHub account (a stranger writing on an issue)."""
    return {
        "login": login,
        "id": zlib.crc32(login.encode()) % 10**8 + 100,
        "type": "User",
        "html_url": f"{WEB}/{login}",
    }


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Repo:
    data: JSON
    next_number: int = 1
    issues: dict[int, JSON] = field(default_factory=dict)  # plain issues only
    pulls: dict[int, JSON] = field(default_factory=dict)
    comments: dict[int, list[JSON]] = field(default_factory=dict)  # issue or PR number
    labels: dict[str, JSON] = field(default_factory=dict)
    runs: dict[int, JSON] = field(default_factory=dict)
    check_suites: list[JSON] = field(default_factory=list)
    # Reactions by (issue number, comment id or None); role names by lower-case login.
    reactions: dict[tuple[int, int | None], list[JSON]] = field(default_factory=dict)
    permissions: dict[str, str] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return str(self.data["full_name"])

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]

    def take_number(self) -> int:
        number, self.next_number = self.next_number, self.next_number + 1
        return number


class State:
    """Everything the fake knows. Handlers and tests share it under `lock`."""

    def __init__(self, api_url: str = "https://api.github.com") -> None:
        self.lock = threading.RLock()
        self.api_url = api_url  # rewritten once the server knows its address
        self.repos: dict[str, Repo] = {}
        self.jobs: dict[int, tuple[str, JSON]] = {}  # job id -> (repo, job)
        self.logs: dict[int, str] = {}
        self.viewer: JSON = dict(BOT)  # GET /user: the token's account, author of API writes
        self._ids = itertools.count(1000)
        # Who the current request acts as (a GitHub App's bot), set per request by the server.
        self.actor: JSON | None = None

    def user(self) -> JSON:
        return dict(self.actor or self.viewer)

    def new_id(self) -> int:
        return next(self._ids)

    def repo(self, full_name: str) -> Repo | None:
        return self.repos.get(full_name.lower())

    # --- builders (all return the stored dict, mutated in place later) -------------------

    def add_repo(self, full_name: str, *, default_branch: str, private: bool) -> Repo:
        owner, name = full_name.split("/", 1)
        repo_id = self.new_id()
        data = {
            "id": repo_id,
            "node_id": f"R_{repo_id}",
            "name": name,
            "full_name": full_name,
            "owner": {"login": owner, "id": self.new_id(), "type": "Organization"},
            "private": private,
            "html_url": f"{WEB}/{full_name}",
            "url": f"{self.api_url}/repos/{full_name}",
            "default_branch": default_branch,
            "archived": False,
            "visibility": "private" if private else "public",
        }
        repo = Repo(data=data)
        self.repos[full_name.lower()] = repo
        return repo

    def label(self, repo: Repo, name: str) -> JSON:
        if name.lower() not in repo.labels:
            label_id = self.new_id()
            repo.labels[name.lower()] = {
                "id": label_id,
                "node_id": f"LA_{label_id}",
                "url": f"{self.api_url}/repos/{repo.full_name}/labels/{name}",
                "name": name,
                "color": "ededed",
                "default": False,
                "description": None,
            }
        return repo.labels[name.lower()]

    def _numbered(
        self,
        repo: Repo,
        kind: tuple[str, str, str],
        *,
        title: str,
        body: str | None,
        state: str,
        labels: list[str],
        author: JSON | None,
    ) -> JSON:
        """The fields an issue and a pull request share, under the repository's next number;
        `kind` is (node id prefix, API path, web path): ("I", "issues", "issues")."""
        prefix, api_path, web_path = kind
        number = repo.take_number()
        item_id = self.new_id()
        stamp = now()
        return {
            "id": item_id,
            "node_id": f"{prefix}_{item_id}",
            "number": number,
            "title": title,
            "body": body,
            "state": state,
            "locked": False,
            "labels": [self.label(repo, name) for name in dict.fromkeys(labels)],
            "user": dict(author or self.user()),
            "url": f"{self.api_url}/repos/{repo.full_name}/{api_path}/{number}",
            "html_url": f"{WEB}/{repo.full_name}/{web_path}/{number}",
            "created_at": stamp,
            "updated_at": stamp,
            "closed_at": stamp if state == "closed" else None,
        }

    def add_issue(
        self,
        repo: Repo,
        *,
        title: str,
        body: str | None,
        labels: list[str],
        state: str,
        author: JSON | None = None,
    ) -> JSON:
        issue = self._numbered(
            repo,
            ("I", "issues", "issues"),
            title=title,
            body=body,
            state=state,
            labels=labels,
            author=author,
        )
        issue.update(
            state_reason="completed" if state == "closed" else None,
            assignees=[],
            comments=0,
            comments_url=f"{issue['url']}/comments",
        )
        repo.issues[issue["number"]] = issue
        return issue

    def add_pull(
        self,
        repo: Repo,
        *,
        title: str,
        head: str,
        base: str,
        body: str | None,
        draft: bool,
    ) -> JSON:
        owner, _, ref = head.rpartition(":")
        owner = owner or repo.owner
        pull = self._numbered(
            repo,
            ("PR", "pulls", "pull"),
            title=title,
            body=body,
            state="open",
            labels=[],
            author=None,
        )
        number, pull_id = pull["number"], pull["id"]
        pull.update(
            draft=draft,
            merged=False,
            merged_at=None,
            issue_url=f"{self.api_url}/repos/{repo.full_name}/issues/{number}",
            head={
                "label": f"{owner}:{ref}",
                "ref": ref,
                "sha": _sha(pull_id, ref),
                "repo": repo.data,
            },
            base={
                "label": f"{repo.owner}:{base}",
                "ref": base,
                "sha": _sha(pull_id, base),
                "repo": repo.data,
            },
        )
        repo.pulls[number] = pull
        return pull

    def add_comment(self, repo: Repo, number: int, body: str, author: JSON | None = None) -> JSON:
        comment_id = self.new_id()
        stamp = now()
        kind = "pull" if number in repo.pulls else "issues"
        comment = {
            "id": comment_id,
            "node_id": f"IC_{comment_id}",
            "body": body,
            "user": dict(author or self.user()),
            "url": f"{self.api_url}/repos/{repo.full_name}/issues/comments/{comment_id}",
            "html_url": f"{WEB}/{repo.full_name}/{kind}/{number}#issuecomment-{comment_id}",
            "issue_url": f"{self.api_url}/repos/{repo.full_name}/issues/{number}",
            "created_at": stamp,
            "updated_at": stamp,
        }
        repo.comments.setdefault(number, []).append(comment)
        target = repo.issues.get(number)
        if target is not None:
            target["comments"] = len(repo.comments[number])
        return comment

    def add_run(self, repo: Repo, run: JSON, jobs: list[JSON]) -> JSON:
        run_id = int(run["id"])
        base = f"{self.api_url}/repos/{repo.full_name}/actions/runs/{run_id}"
        stamp = now()
        full = {
            "id": run_id,
            "name": "CI",
            "display_title": run.get("name", "CI"),
            "head_branch": repo.data["default_branch"],
            "head_sha": _sha(run_id, "run"),
            "run_number": 1,
            "run_attempt": 1,
            "event": "push",
            "status": "completed",
            "conclusion": "success",
            "workflow_id": self.new_id(),
            "url": base,
            "html_url": f"{WEB}/{repo.full_name}/actions/runs/{run_id}",
            "jobs_url": f"{base}/jobs",
            "logs_url": f"{base}/logs",
            "repository": repo.data,
            "head_repository": repo.data,
            "created_at": stamp,
            "updated_at": stamp,
            "run_started_at": stamp,
        } | run
        full["_jobs"] = [self._job(repo, full, job) for job in jobs]
        repo.runs[run_id] = full
        return full

    def add_check_suite(
        self,
        repo: Repo,
        *,
        head_sha: str,
        app: str = "GitHub Actions",
        status: str = "completed",
        conclusion: str | None = "success",
        head_branch: str | None = None,
        check_runs: int = 1,
    ) -> JSON:
        """A check suite of `app` on a commit as GET /repos/{o}/{r}/commits/{ref}/check-suites
        lists it; `check_runs=0` is an app that never ran."""
        suite_id = self.new_id()
        slug = app.lower().replace(" ", "-")
        stamp = now()
        suite = {
            "id": suite_id,
            "node_id": f"CS_{suite_id}",
            "head_branch": head_branch,
            "head_sha": head_sha,
            "status": status,
            "conclusion": conclusion,
            "url": f"{self.api_url}/repos/{repo.full_name}/check-suites/{suite_id}",
            "before": None,
            "after": head_sha,
            "pull_requests": [],
            "app": {"id": zlib.crc32(slug.encode()) % 10**6, "slug": slug, "name": app},
            "repository": repo.data,
            "created_at": stamp,
            "updated_at": stamp,
            "latest_check_runs_count": check_runs,
            "check_runs_url": f"{self.api_url}/repos/{repo.full_name}/check-suites/"
            f"{suite_id}/check-runs",
            "rerequestable": True,
            "runs_rerequestable": True,
        }
        repo.check_suites.append(suite)
        return suite

    def _job(self, repo: Repo, run: JSON, job: JSON) -> JSON:
        job = dict(job)
        logs = job.pop("logs", None)
        job_id = int(job.get("id") or self.new_id())
        conclusion = job.get("conclusion", run.get("conclusion"))
        steps = [
            {
                "name": step.get("name", f"Step {i}"),
                "status": "completed",
                "conclusion": conclusion,
                "number": i,
                "started_at": run["created_at"],
                "completed_at": run["updated_at"],
            }
            | step
            for i, step in enumerate(job.pop("steps", []), start=1)
        ]
        full = {
            "id": job_id,
            "run_id": run["id"],
            "run_attempt": run.get("run_attempt", 1),
            "name": "build",
            "workflow_name": run.get("name"),
            "head_branch": run.get("head_branch"),
            "head_sha": run.get("head_sha"),
            "status": run.get("status", "completed"),
            "conclusion": conclusion,
            "started_at": run["created_at"],
            "completed_at": run["updated_at"],
            "url": f"{self.api_url}/repos/{repo.full_name}/actions/jobs/{job_id}",
            "html_url": f"{WEB}/{repo.full_name}/actions/runs/{run['id']}/job/{job_id}",
            "run_url": run["url"],
            "labels": ["ubuntu-latest"],
            "steps": steps,
        } | job
        self.jobs[job_id] = (repo.full_name, full)
        if logs is not None:
            self.logs[job_id] = logs
        return full


def issue_view_of_pull(pull: JSON) -> JSON:
    """A pull request as the issues endpoints show it (with the `pull_request` key)."""
    view = {
        k: pull[k]
        for k in (
            "id",
            "node_id",
            "number",
            "title",
            "body",
            "state",
            "locked",
            "labels",
            "user",
            "created_at",
            "updated_at",
            "closed_at",
        )
    }
    view["url"] = pull["issue_url"]
    view["html_url"] = pull["html_url"]
    view["draft"] = pull["draft"]
    view["state_reason"] = None
    view["pull_request"] = {
        "url": pull["url"],
        "html_url": pull["html_url"],
        "merged_at": pull["merged_at"],
    }
    return view


def public(run_or_job: JSON) -> JSON:
    return {k: v for k, v in run_or_job.items() if not k.startswith("_")}


def _sha(seed: int, salt: str) -> str:
    return hashlib.sha1(f"{seed}:{salt}".encode()).hexdigest()
