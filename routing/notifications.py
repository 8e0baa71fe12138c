"""Pure classification of GitHub events into typed, prioritised notifications.

No I/O: the API, the workflows and `hookflow test PAYLOAD.json` share this one implementation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from contract.actions import as_arg
from routing import fields as f
from routing.decision import RoutingConfig
from routing.notification_rules import RULES, EventContext, Fields

# Default priority per rule; PRIORITY_MAP in the environment overrides any of them.
PRIORITY_MAP: Mapping[str, str] = {
    "workflow_run.failure": "high",
    "workflow_run.success": "low",
    "check_run.failure": "medium",
    "pull_request.opened": "medium",
    "pull_request.merged": "low",
    "issues.labeled.blocked": "high",
    "push": "low",
}

PRIORITIES = ("low", "medium", "high", "urgent")
# AI Maestro and other tools say "normal" where hookflow says "medium".
_PRIORITY_ALIASES = {"normal": "medium"}


@dataclass(frozen=True)
class Notification:
    """One notification to deliver; plain JSON-able fields so it can be a Temporal input."""

    type: str  # ci_success | ci_failure | pr_created | pr_merged | task_blocked | generic
    priority: str  # low | medium | high | urgent
    rule: str  # the PRIORITY_MAP key that produced it, e.g. "workflow_run.failure"
    repo: str
    event: str
    action: str | None
    title: str  # short subject line
    summary: str  # one line a human reads
    url: str | None = None
    branch: str | None = None
    base_branch: str | None = None
    head_sha: str | None = None
    workflow: str | None = None
    sender: str | None = None
    issue_number: int | None = None
    pr_number: int | None = None
    conclusion: str | None = None
    occurred_at: str | None = None
    group_key: str = ""
    payload_summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return as_arg(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Notification:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Classification:
    notifications: list[Notification]
    reason: str | None = None  # why nothing was produced

    @property
    def ignored(self) -> bool:
        return not self.notifications


def notification_dict(notification: Notification | Mapping[str, Any]) -> dict[str, Any]:
    """The dict form of a notification, whether given the dataclass or a decoded payload."""
    if isinstance(notification, Notification):
        return notification.to_dict()
    return dict(notification)


def normalize_priority(value: str) -> str:
    """Return a known priority for `value`, or raise ValueError naming the allowed ones."""
    text = value.strip().lower()
    text = _PRIORITY_ALIASES.get(text, text)
    if text not in PRIORITIES:
        raise ValueError(f"unknown priority {value!r} (use one of {', '.join(PRIORITIES)})")
    return text


def validate_priority_overrides(overrides: Mapping[str, str]) -> dict[str, str]:
    """Check a PRIORITY_MAP override at start-up: known keys and known priorities only."""
    result: dict[str, str] = {}
    for key, value in overrides.items():
        if key not in PRIORITY_MAP:
            known = ", ".join(PRIORITY_MAP)
            raise ValueError(f"unknown PRIORITY_MAP key {key!r} (use one of {known})")
        result[key] = normalize_priority(value)
    return result


def _group(*parts: str) -> str:
    # notifications.group_key is varchar(300); a long one keeps a hash of the whole.
    return f.fit("|".join(parts), 300)


def _ignore(reason: str) -> Classification:
    return Classification(notifications=[], reason=reason)


def _notification(c: EventContext, fields: Fields, priorities: Mapping[str, str]) -> Notification:
    """The rule's fields plus those every notification shares (repo, priority, summary, …)."""
    shared: dict[str, Any] = {"action": c.action, "sender": c.sender}
    return Notification(
        type=fields.type,
        priority=normalize_priority(priorities.get(fields.rule, PRIORITY_MAP[fields.rule])),
        rule=fields.rule,
        repo=c.repo,
        event=c.event,
        title=fields.title,
        summary=f"{c.repo}: {fields.title}{fields.detail}",
        group_key=_group(c.repo, *fields.group),
        payload_summary={k: v for k, v in fields.payload_summary.items() if v is not None},
        **{**shared, **fields.extra},
    )


def classify(
    event: str,
    payload: Mapping[str, Any],
    *,
    watched_branches: frozenset[str],
    priority_overrides: Mapping[str, str] = {},  # noqa: B006 - read-only
    blocked_label: str = "blocked",
) -> Classification:
    """Turn one webhook delivery into zero or more notifications, or say why it produced none.

    Raises ValueError only for an invalid priority in `priority_overrides` (configuration).
    """
    rule = RULES.get(event)
    if rule is None:
        return _ignore(f"event {event!r} is not handled")
    if not isinstance(payload, Mapping):
        return _ignore(f"{event} payload is not a JSON object")
    repo = f.repo_name(f.obj(payload.get("repository")).get("full_name"))
    if repo is None:
        return _ignore(f"{event} payload has no repository.full_name")
    ctx = EventContext(
        event=event,
        payload=payload,
        repo=repo,
        action=f.text(payload.get("action"), 100),
        sender=f.login(payload.get("sender")),
        watched_branches=watched_branches,
        blocked_label=blocked_label,
    )
    decided = rule(ctx)
    if isinstance(decided, str):
        return _ignore(decided)
    return Classification(notifications=[_notification(ctx, decided, priority_overrides)])


def classify_with(
    config: RoutingConfig, event: str, payload: Mapping[str, Any], *, repo: str | None = None
) -> Classification:
    """classify() with a routing configuration's notification settings: the repository's own
    (NOTIFY_CONFIG `repositories:`) when `repo` is given, else the global ones."""
    return classify(
        event,
        payload,
        watched_branches=config.watched_for(repo),
        priority_overrides=config.priorities_for(repo),
        blocked_label=config.blocked_label,
    )
