"""Async GitHub REST client: the calls hookflow's activities make, plus idempotent writes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from urllib.parse import quote

import httpx

from ghclient.bodies import fit_body, has_marker, with_marker
from ghclient.errors import GitHubNotFound, GitHubValidationFailed
from ghclient.identity import login_of, written_by
from ghclient.token_source import TokenSource
from ghclient.transport import DEFAULT_API_URL, JSON, ResponseHook, Transport

# What a reaction is on: (issue or PR number, None) or (its number, an issue comment's id).
ReactionTarget = tuple[int, int | None]


class GitHubClient:
    """GitHub REST API v2022-11-28 at `base_url` (github.com, GHES `https://host/api/v3`, a fake).

    Every method raises a `ghclient.errors.GitHubError` subclass on failure; check its
    `retryable` flag. `repo` is always `"owner/name"`. `token` is a fixed token or a
    TokenSource such as `ghclient.app_auth.GitHubApp` (installation tokens per repository).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_API_URL,
        token: str | TokenSource | None = None,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = 30,
        login: str | None = None,
        on_response: ResponseHook | None = None,
    ) -> None:
        self._t = Transport(base_url, token, http=http, timeout=timeout, on_response=on_response)
        # hookflow's own login; None = ask GET /user once. GitHub App installation tokens
        # cannot read /user: pass ghclient.identity.app_bot_login(slug) for them.
        self._login = login
        # A GitHub App writes as `<slug>[bot]`; its installation tokens cannot read /user.
        self._bot_login = getattr(token, "bot_login", None)

    @property
    def base_url(self) -> str:
        return self._t.base_url

    def __repr__(self) -> str:
        return f"GitHubClient({self._t.base_url!r})"

    async def __aenter__(self) -> GitHubClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        await self._t.aclose()

    # --- identity -----------------------------------------------------------------------

    async def own_login(self) -> str:
        """The login this client writes as (its comments are the only ones whose markers
        count)."""
        if self._login is None and self._bot_login is not None:
            self._login = str(await self._bot_login())
        if self._login is None:
            self._login = login_of(await self._t.obj("GET", "/user"))
        return self._login

    # --- repositories -------------------------------------------------------------------

    async def get_repo(self, repo: str) -> JSON:
        return await self._t.obj("GET", _repo(repo))

    # --- issues -------------------------------------------------------------------------

    async def get_issue(self, repo: str, number: int) -> JSON:
        return await self._t.obj("GET", f"{_repo(repo)}/issues/{int(number)}")

    async def create_issue(
        self, repo: str, *, title: str, body: str, labels: Iterable[str] = ()
    ) -> JSON:
        payload: JSON = {"title": title, "body": body}
        if labels:
            payload["labels"] = list(labels)
        return await self._t.obj("POST", f"{_repo(repo)}/issues", json=payload)

    async def update_issue(self, repo: str, number: int, **fields: str) -> JSON:
        """PATCH only the given fields, by GitHub's names: state (open|closed), state_reason
        (completed|not_planned|reopened|duplicate), title, body."""
        return await self._t.obj("PATCH", f"{_repo(repo)}/issues/{int(number)}", json=fields)

    async def add_labels(self, repo: str, number: int, labels: Iterable[str]) -> list[JSON]:
        """Add labels (creating unknown ones); returns the issue's labels afterwards."""
        path = f"{_repo(repo)}/issues/{int(number)}/labels"
        return await self._t.items("POST", path, json={"labels": list(labels)})

    async def remove_label(self, repo: str, number: int, name: str) -> list[JSON] | None:
        """Remove one label; a label that is already gone is not an error (returns None)."""
        path = f"{_repo(repo)}/issues/{int(number)}/labels/{quote(name, safe='')}"
        try:
            return await self._t.items("DELETE", path)
        except GitHubNotFound:
            return None

    async def list_issues(
        self, repo: str, *, state: str = "open", labels: Iterable[str] | None = None
    ) -> list[JSON]:
        """Issues (never pull requests) in `state` open|closed|all having every label given."""
        params: JSON = {"state": state}
        if labels:
            params["labels"] = ",".join(labels)
        return [
            issue
            async for issue in self._t.paginate(f"{_repo(repo)}/issues", params=params)
            if "pull_request" not in issue
        ]

    async def list_comments(self, repo: str, number: int) -> list[JSON]:
        path = f"{_repo(repo)}/issues/{int(number)}/comments"
        return [comment async for comment in self._t.paginate(path)]

    async def create_comment(self, repo: str, number: int, body: str) -> JSON:
        path = f"{_repo(repo)}/issues/{int(number)}/comments"
        return await self._t.obj("POST", path, json={"body": body})

    # --- who may start work, and reactions ----------------------------------------------

    async def get_permission(self, repo: str, username: str) -> JSON:
        """`{"permission": admin|write|read|none, "role_name": …, "user": …}` of a user on
        the repository (404 when GitHub knows no such collaborator)."""
        path = f"{_repo(repo)}/collaborators/{quote(username, safe='')}/permission"
        return await self._t.obj("GET", path)

    async def list_reactions(
        self, repo: str, target: ReactionTarget, *, content: str | None = None
    ) -> list[JSON]:
        params = {"content": content} if content else None
        return [r async for r in self._t.paginate(_reactions(repo, target), params=params)]

    async def create_reaction(self, repo: str, target: ReactionTarget, content: str) -> JSON:
        """GitHub answers 200 with the existing reaction when this user already reacted so."""
        return await self._t.obj("POST", _reactions(repo, target), json={"content": content})

    async def delete_reaction(self, repo: str, target: ReactionTarget, reaction_id: int) -> None:
        """Remove one reaction; one already gone is not an error."""
        try:
            await self._t.send("DELETE", f"{_reactions(repo, target)}/{int(reaction_id)}")
        except GitHubNotFound:
            pass

    async def own_reactions(
        self, repo: str, target: ReactionTarget, content: str | None = None
    ) -> list[JSON]:
        """Reactions hookflow itself left on `target` (of `content` when given)."""
        login = await self.own_login()
        found = await self.list_reactions(repo, target, content=content)
        return [r for r in found if written_by(r, login)]

    async def ensure_reaction(
        self, repo: str, target: ReactionTarget, content: str
    ) -> tuple[JSON, bool]:
        """hookflow's `content` reaction on `target`, created if it is not there yet."""
        mine = await self.own_reactions(repo, target, content)
        if mine:
            return mine[0], False
        return await self.create_reaction(repo, target, content), True

    # --- pull requests ------------------------------------------------------------------

    async def list_pulls(
        self, repo: str, *, head: str | None = None, state: str = "all"
    ) -> list[JSON]:
        """Pull requests; `head` is a branch of this repo or `owner:branch`."""
        params: JSON = {"state": state}
        if head:
            params["head"] = _head_label(repo, head)
        return [pull async for pull in self._t.paginate(f"{_repo(repo)}/pulls", params=params)]

    async def create_pull(
        self, repo: str, *, title: str, head: str, base: str, body: str, draft: bool = False
    ) -> JSON:
        payload = {"title": title, "head": head, "base": base, "body": body, "draft": draft}
        return await self._t.obj("POST", f"{_repo(repo)}/pulls", json=payload)

    async def get_pull(self, repo: str, number: int) -> JSON:
        return await self._t.obj("GET", f"{_repo(repo)}/pulls/{int(number)}")

    # --- actions ------------------------------------------------------------------------

    async def get_workflow_run(self, repo: str, run_id: int) -> JSON:
        return await self._t.obj("GET", f"{_repo(repo)}/actions/runs/{int(run_id)}")

    async def list_run_jobs(self, repo: str, run_id: int) -> list[JSON]:
        """Jobs of the run's latest attempt, each with its `steps`."""
        path = f"{_repo(repo)}/actions/runs/{int(run_id)}/jobs"
        return [job async for job in self._t.paginate(path, key="jobs")]

    async def list_check_suites(self, repo: str, ref: str) -> list[JSON]:
        """Every check suite (one per app) for a commit SHA, branch or tag."""
        path = f"{_repo(repo)}/commits/{quote(ref, safe='')}/check-suites"
        return [suite async for suite in self._t.paginate(path, key="check_suites")]

    async def download_job_logs(self, repo: str, job_id: int) -> str:
        """Plain-text log of one job (GitHub redirects to a short-lived URL; the token stays)."""
        return await self._t.download_redirected(f"{_repo(repo)}/actions/jobs/{int(job_id)}/logs")

    # --- webhook deliveries (GitHub keeps them 3 days and never retries by itself) -------

    def hook_deliveries(self, repo: str | None, hook_id: int | None = None) -> AsyncIterator[JSON]:
        """Delivery attempts of a repository hook (or, with repo=None, the GitHub App's own
        hook, which needs App credentials), newest first, page by page as they are read."""
        return self._t.paginate(_deliveries(repo, hook_id))

    async def redeliver(self, repo: str | None, hook_id: int | None, delivery_id: int) -> None:
        """Ask GitHub to deliver that attempt's GUID again (202: queued)."""
        await self._t.send("POST", f"{_deliveries(repo, hook_id)}/{int(delivery_id)}/attempts")

    # --- idempotent writes (a retried activity finds its earlier write) ----------------

    async def ensure_comment(
        self, repo: str, number: int, *, key: str, body: str
    ) -> tuple[JSON, bool]:
        """The comment carrying marker `key`, created with `body` if none exists yet.

        Only hookflow's own comments count: anyone can paste a marker into a comment.
        """
        login = await self.own_login()
        for comment in await self.list_comments(repo, number):
            if has_marker(comment.get("body"), key) and written_by(comment, login):
                return comment, False
        return await self.create_comment(repo, number, with_marker(body, key)), True

    async def ensure_issue(
        self,
        repo: str,
        *,
        key: str,
        title: str,
        body: str,
        labels: Iterable[str] = (),
        state: str = "all",
    ) -> tuple[JSON, bool]:
        """The issue carrying marker `key` (searched in `state`, among issues with all
        `labels`, written by hookflow itself), created if none exists yet."""
        labels = list(labels)
        login = await self.own_login()
        for issue in await self.list_issues(repo, state=state, labels=labels or None):
            if has_marker(issue.get("body"), key) and written_by(issue, login):
                return issue, False
        issue = await self.create_issue(
            repo, title=title, body=with_marker(body, key), labels=labels
        )
        return issue, True

    async def ensure_pull(
        self, repo: str, *, head: str, base: str, title: str, body: str, draft: bool = False
    ) -> tuple[JSON, bool]:
        """The open pull request from `head` into `base`, created if there is none."""
        existing = await self._find_open_pull(repo, head=head, base=base)
        if existing is not None:
            return existing, False
        try:
            pull = await self.create_pull(
                repo, title=title, head=head, base=base, body=fit_body(body), draft=draft
            )
        except GitHubValidationFailed as exc:
            if not exc.has_message("already exists"):
                raise
            # Another attempt won the race between our lookup and our create.
            existing = await self._find_open_pull(repo, head=head, base=base)
            if existing is None:
                raise
            return existing, False
        return pull, True

    async def _find_open_pull(self, repo: str, *, head: str, base: str) -> JSON | None:
        for pull in await self.list_pulls(repo, head=head, state="open"):
            if pull.get("base", {}).get("ref") == base:
                return pull
        return None


def _repo(repo: str) -> str:
    owner, sep, name = repo.strip("/").partition("/")
    if not (owner and sep and name) or "/" in name:
        raise ValueError(f"repository must be 'owner/name', got {repo!r}")
    return f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"


def _reactions(repo: str, target: ReactionTarget) -> str:
    number, comment_id = target
    if comment_id is not None:
        return f"{_repo(repo)}/issues/comments/{int(comment_id)}/reactions"
    return f"{_repo(repo)}/issues/{int(number)}/reactions"


def _deliveries(repo: str | None, hook_id: int | None) -> str:
    if repo is None:
        return "/app/hook/deliveries"
    if hook_id is None:
        raise ValueError("a repository hook needs its hook id")
    return f"{_repo(repo)}/hooks/{int(hook_id)}/deliveries"


def _head_label(repo: str, head: str) -> str:
    """GitHub filters pulls by `owner:branch`; a bare branch belongs to `repo`'s owner."""
    return head if ":" in head else f"{repo.split('/', 1)[0]}:{head}"
