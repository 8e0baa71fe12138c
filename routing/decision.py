"""The result of routing one delivery: what to answer, what to record, what to start."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from contract.actions import DispatchAction
from routing import fields as f


@dataclass(frozen=True)
class RepoOverrides:
    """NOTIFY_CONFIG's `repositories:` entry of one repository (None: the global setting)."""

    watched_branches: frozenset[str] | None = None
    priorities: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RoutingConfig:
    """The settings routing depends on, as plain values (routing does no I/O)."""

    watched_branches: frozenset[str] = frozenset({"main", "master", "develop"})
    priority_overrides: dict[str, str] = field(default_factory=dict)
    allowed_repos: frozenset[str] = frozenset()
    blocked_label: str = "blocked"
    ci_failure_label: str = "ci-failure"
    ai_run_label: str = "ai:run"
    command_handle: str = "hookflow"  # `/hookflow …` commands and `@hookflow` mentions
    repositories: dict[str, RepoOverrides] = field(default_factory=dict)  # lower-case names

    def allows(self, repo: str | None) -> bool:
        """ALLOWED_REPOS: empty allows every repository."""
        return not self.allowed_repos or repo in self.allowed_repos

    def _overrides(self, repo: str | None) -> RepoOverrides | None:
        return self.repositories.get(repo.lower()) if repo else None

    def watched_for(self, repo: str | None) -> frozenset[str]:
        """The repository's watched branches, or WATCHED_BRANCHES."""
        own = self._overrides(repo)
        if own is None or own.watched_branches is None:
            return self.watched_branches
        return own.watched_branches

    def priorities_for(self, repo: str | None) -> dict[str, str]:
        """PRIORITY_MAP with the repository's own priorities over it."""
        own = self._overrides(repo)
        return {**self.priority_overrides, **own.priorities} if own else self.priority_overrides


@dataclass(frozen=True)
class Delivery:
    """A verified delivery; `payload` may hold any JSON value in any field."""

    event: str
    payload: dict[str, Any]
    delivery_id: str
    hook_id: str

    # Read once per delivery (every handler asks): the payload does not change.
    @cached_property
    def action(self) -> str | None:
        return f.text(self.payload.get("action"), 100)

    @cached_property
    def repo(self) -> str | None:
        """`repository.full_name` when it is a valid owner/name, else None."""
        return f.repo_name(f.get(self.payload, "repository", "full_name"))

    @property
    def short_id(self) -> str:
        """The delivery id as carried in workflow inputs and columns: at most 100 characters
        (a long one keeps a hash of the whole, so distinct ids stay distinct)."""
        return f.fit(self.delivery_id, 100)


@dataclass(frozen=True)
class NewRun:
    """A run row to insert together with the delivery."""

    run_id: str
    workflow_id: str
    repo: str
    issue_number: int
    title: str
    body: str | None
    clone_url: str | None
    branch: str


@dataclass
class HandlerResult:
    """What one handler made of a delivery; `handled=False` carries only a reason."""

    handled: bool
    reason: str | None = None
    actions: list[DispatchAction] = field(default_factory=list)
    response: dict[str, Any] = field(default_factory=dict)
    new_run: NewRun | None = None


@dataclass
class RouteDecision:
    status: str  # accepted | ignored | failed
    response: dict[str, Any]
    actions: list[DispatchAction] = field(default_factory=list)
    new_run: NewRun | None = None
    error: str | None = None
