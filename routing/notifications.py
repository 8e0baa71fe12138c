"""Pure classification of GitHub events into typed, prioritised notifications.

No I/O: the API, the workflows and `hookflow test PAYLOAD.json` share this one implementation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from routing import fields as f

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
        return dataclasses.asdict(self)

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


@dataclass(frozen=True)
class _Ctx:
    event: str
    payload: Mapping[str, Any]
    repo: str
    action: str | None
    sender: str | None
    watched_branches: frozenset[str]
    priorities: Mapping[str, str]
    blocked_label: str

    def priority(self, rule: str) -> str:
        return normalize_priority(self.priorities.get(rule, PRIORITY_MAP[rule]))


_obj = f.obj
_str = f.text
_int = f.integer


def _group(*parts: str) -> str:
    # notifications.group_key is varchar(300); a long one keeps a hash of the whole.
    return f.fit("|".join(parts), 300)


def _first_line(text: Any, limit: int = 120) -> str:
    line = text.strip().splitlines()[0] if isinstance(text, str) and text.strip() else ""
    return f.clip(line, limit)


def _compact(summary: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if v is not None}


def _ignore(reason: str) -> Classification:
    return Classification(notifications=[], reason=reason)


def _one(notification: Notification) -> Classification:
    return Classification(notifications=[notification])


def _pr_numbers(items: Any) -> list[int]:
    return [n for n in (f.number(_obj(pr).get("number")) for pr in f.items(items)) if n]


def _names(items: Any, key: str) -> list[str]:
    return [name for name in (_str(_obj(item).get(key), 200) for item in f.items(items)) if name]


def _workflow_run(c: _Ctx) -> Classification:
    run = _obj(c.payload.get("workflow_run"))
    if c.action != "completed":
        return _ignore(f"workflow_run action {c.action!r} is not handled (only 'completed')")
    if not run:
        return _ignore("workflow_run payload has no workflow_run object")
    conclusion = _str(run.get("conclusion"))
    if conclusion not in ("success", "failure"):
        return _ignore(f"workflow_run conclusion {conclusion!r} is not notified")
    name = _str(run.get("name")) or _str(_obj(c.payload.get("workflow")).get("name")) or "workflow"
    branch = _str(run.get("head_branch"))
    rule, ntype, verb = (
        ("workflow_run.success", "ci_success", "passed")
        if conclusion == "success"
        else ("workflow_run.failure", "ci_failure", "failed")
    )
    where = f" on {branch}" if branch else ""
    title = f"CI {verb}: {name}{where}"
    prs = _pr_numbers(run.get("pull_requests"))
    summary = {
        "workflow_run_id": _int(run.get("id")),
        "name": name,
        "run_number": _int(run.get("run_number")),
        "run_attempt": _int(run.get("run_attempt")),
        "conclusion": conclusion,
        "head_branch": branch,
        "head_sha": _str(run.get("head_sha")),
        "trigger": _str(run.get("event")),
        "display_title": _str(run.get("display_title")),
        "html_url": _str(run.get("html_url")),
        "pull_requests": prs,
    }
    return _one(
        Notification(
            type=ntype,
            priority=c.priority(rule),
            rule=rule,
            repo=c.repo,
            event=c.event,
            action=c.action,
            title=title,
            summary=f"{c.repo}: {title}"
            + (f" — {_first_line(run.get('display_title'))}" if run.get("display_title") else ""),
            url=_str(run.get("html_url")),
            branch=branch,
            head_sha=_str(run.get("head_sha")),
            workflow=name,
            sender=_str(_obj(run.get("actor")).get("login")) or c.sender,
            pr_number=prs[0] if len(prs) == 1 else None,
            conclusion=conclusion,
            occurred_at=_str(run.get("updated_at")),
            group_key=_group(c.repo, name, branch or ""),
            payload_summary=_compact(summary),
        )
    )


def _check_run(c: _Ctx) -> Classification:
    check = _obj(c.payload.get("check_run"))
    if c.action != "completed":
        return _ignore(f"check_run action {c.action!r} is not handled (only 'completed')")
    if not check:
        return _ignore("check_run payload has no check_run object")
    conclusion = _str(check.get("conclusion"))
    if conclusion != "failure":
        return _ignore(f"check_run conclusion {conclusion!r} is not notified (only 'failure')")
    name = _str(check.get("name")) or "check"
    suite = _obj(check.get("check_suite"))
    branch = _str(suite.get("head_branch"))
    where = f" on {branch}" if branch else ""
    title = f"Check failed: {name}{where}"
    output = _obj(check.get("output"))
    prs = _pr_numbers(check.get("pull_requests"))
    url = _str(check.get("html_url")) or _str(check.get("details_url"))
    summary = {
        "check_run_id": _int(check.get("id")),
        "name": name,
        "conclusion": conclusion,
        "head_branch": branch,
        "head_sha": _str(check.get("head_sha")),
        "app": _str(_obj(check.get("app")).get("slug")),
        "output_title": _str(output.get("title")),
        "html_url": url,
        "pull_requests": prs,
    }
    detail = _first_line(output.get("title"))
    return _one(
        Notification(
            type="ci_failure",
            priority=c.priority("check_run.failure"),
            rule="check_run.failure",
            repo=c.repo,
            event=c.event,
            action=c.action,
            title=title,
            summary=f"{c.repo}: {title}" + (f" — {detail}" if detail else ""),
            url=url,
            branch=branch,
            head_sha=_str(check.get("head_sha")),
            workflow=name,
            sender=c.sender,
            pr_number=prs[0] if len(prs) == 1 else None,
            conclusion=conclusion,
            occurred_at=_str(check.get("completed_at")),
            group_key=_group(c.repo, name, branch or ""),
            payload_summary=_compact(summary),
        )
    )


def _pull_request(c: _Ctx) -> Classification:
    pr = _obj(c.payload.get("pull_request"))
    if not pr:
        return _ignore("pull_request payload has no pull_request object")
    number = f.number(pr.get("number")) or f.number(c.payload.get("number"))
    if c.action == "opened":
        rule, ntype, verb = "pull_request.opened", "pr_created", "opened"
    elif c.action == "closed" and pr.get("merged") is True:
        rule, ntype, verb = "pull_request.merged", "pr_merged", "merged"
    elif c.action == "closed":
        return _ignore("pull_request was closed without being merged")
    else:
        return _ignore(f"pull_request action {c.action!r} is not handled (only opened, merged)")
    head = _obj(pr.get("head"))
    base = _obj(pr.get("base"))
    base_ref, head_ref = _str(base.get("ref")), _str(head.get("ref"))
    pr_title = _first_line(pr.get("title"))
    into = f" into {base_ref}" if verb == "merged" and base_ref else ""
    title = f"PR #{number} {verb}{into}: {pr_title}"
    author = _str(_obj(pr.get("user")).get("login"))
    summary = {
        "number": number,
        "title": pr_title,
        "author": author,
        "head_ref": head_ref,
        "base_ref": base_ref,
        "draft": pr.get("draft") is True,
        "merged": pr.get("merged") is True,
        "merged_by": _str(_obj(pr.get("merged_by")).get("login")),
        "merge_commit_sha": _str(pr.get("merge_commit_sha")),
        "html_url": _str(pr.get("html_url")),
    }
    by = _str(_obj(pr.get("merged_by")).get("login")) if verb == "merged" else author
    return _one(
        Notification(
            type=ntype,
            priority=c.priority(rule),
            rule=rule,
            repo=c.repo,
            event=c.event,
            action=c.action,
            title=title,
            summary=f"{c.repo}: {title}" + (f" (by {by})" if by else ""),
            url=_str(pr.get("html_url")),
            branch=head_ref,
            base_branch=base_ref,
            head_sha=_str(head.get("sha")),
            sender=c.sender,
            pr_number=number,
            occurred_at=_str(pr.get("merged_at") if verb == "merged" else pr.get("created_at")),
            group_key=_group(c.repo, "pr", str(number)),
            payload_summary=_compact(summary),
        )
    )


def _issues(c: _Ctx) -> Classification:
    issue = _obj(c.payload.get("issue"))
    if c.action != "labeled":
        return _ignore(f"issues action {c.action!r} is not handled (only 'labeled')")
    label = _str(_obj(c.payload.get("label")).get("name"))
    if label is None or label.casefold() != c.blocked_label.casefold():
        return _ignore(f"issue label {label!r} is not {c.blocked_label!r}")
    if not issue:
        return _ignore("issues payload has no issue object")
    number = f.number(issue.get("number"))
    issue_title = _first_line(issue.get("title"))
    title = f"Task blocked: #{number} {issue_title}"
    labels = _names(issue.get("labels"), "name")
    assignees = _names(issue.get("assignees"), "login")
    summary = {
        "number": number,
        "title": issue_title,
        "label": label,
        "labels": labels,
        "assignees": assignees,
        "state": _str(issue.get("state")),
        "html_url": _str(issue.get("html_url")),
    }
    return _one(
        Notification(
            type="task_blocked",
            priority=c.priority("issues.labeled.blocked"),
            rule="issues.labeled.blocked",
            repo=c.repo,
            event=c.event,
            action=c.action,
            title=title,
            summary=f"{c.repo}: {title}" + (f" (labeled by {c.sender})" if c.sender else ""),
            url=_str(issue.get("html_url")),
            sender=c.sender,
            issue_number=number,
            occurred_at=_str(issue.get("updated_at")),
            group_key=_group(c.repo, "issue", str(number)),
            payload_summary=_compact(summary),
        )
    )


def _push(c: _Ctx) -> Classification:
    ref = _str(c.payload.get("ref")) or ""
    if not ref.startswith("refs/heads/"):
        return _ignore(f"push to {ref or 'an unknown ref'!r} is not a branch push")
    branch = ref.removeprefix("refs/heads/")
    if c.payload.get("deleted") is True:
        return _ignore(f"push deleted branch {branch!r}")
    if branch not in c.watched_branches:
        watched = ", ".join(sorted(c.watched_branches)) or "none"
        return _ignore(f"push to branch {branch!r} is not watched (watched: {watched})")
    commits = c.payload.get("commits")
    count = len(commits) if isinstance(commits, list) else 0
    head = _obj(c.payload.get("head_commit"))
    pusher = _str(_obj(c.payload.get("pusher")).get("name")) or c.sender
    noun = "commit" if count == 1 else "commits"
    title = f"{count} {noun} pushed to {branch}"
    message = _first_line(head.get("message"))
    after = _str(c.payload.get("after"))
    summary = {
        "ref": ref,
        "before": _str(c.payload.get("before")),
        "after": after,
        "commit_count": count,
        "forced": c.payload.get("forced") is True,
        "created": c.payload.get("created") is True,
        "head_commit_message": message or None,
        "pusher": pusher,
        "compare": _str(c.payload.get("compare")),
    }
    return _one(
        Notification(
            type="generic",
            priority=c.priority("push"),
            rule="push",
            repo=c.repo,
            event=c.event,
            action=None,
            title=title,
            summary=f"{c.repo}: {title}"
            + (f" by {pusher}" if pusher else "")
            + (f" — {message}" if message else ""),
            url=_str(c.payload.get("compare")) or _str(head.get("url")),
            branch=branch,
            head_sha=after,
            sender=c.sender,
            occurred_at=_str(head.get("timestamp")),
            group_key=_group(c.repo, "push", branch),
            payload_summary=_compact(summary),
        )
    )


_HANDLERS: Mapping[str, Callable[[_Ctx], Classification]] = {
    "workflow_run": _workflow_run,
    "check_run": _check_run,
    "pull_request": _pull_request,
    "issues": _issues,
    "push": _push,
}


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
    handler = _HANDLERS.get(event)
    if handler is None:
        return _ignore(f"event {event!r} is not handled")
    if not isinstance(payload, Mapping):
        return _ignore(f"{event} payload is not a JSON object")
    repo = f.repo_name(_obj(payload.get("repository")).get("full_name"))
    if repo is None:
        return _ignore(f"{event} payload has no repository.full_name")
    ctx = _Ctx(
        event=event,
        payload=payload,
        repo=repo,
        action=_str(payload.get("action"), 100),
        sender=f.login(payload.get("sender")),
        watched_branches=watched_branches,
        priorities=priority_overrides,
        blocked_label=blocked_label,
    )
    return handler(ctx)
