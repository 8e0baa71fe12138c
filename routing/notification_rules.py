"""One small rule per GitHub event: the fields its notification has beyond the shared ones.

Each rule reads the payload through `routing.fields` and returns either the differing fields or
the reason it produces nothing; `routing.notifications.classify` builds the Notification.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from routing import fields as f


@dataclass(frozen=True)
class EventContext:
    """One delivery as every rule sees it (the repository is already validated)."""

    event: str
    payload: Mapping[str, Any]
    repo: str
    action: str | None
    sender: str | None
    watched_branches: frozenset[str]
    blocked_label: str


@dataclass(frozen=True)
class Fields:
    """What a rule decides. summary reads "{repo}: {title}{detail}"; group_key is
    "{repo}|{group…}"; `extra` holds the optional Notification fields the event fills in."""

    rule: str  # the PRIORITY_MAP key, e.g. "workflow_run.failure"
    type: str
    title: str
    detail: str
    group: tuple[str, ...]
    payload_summary: Mapping[str, Any]
    extra: Mapping[str, Any] = field(default_factory=dict)


Rule = Callable[[EventContext], Fields | str]

_obj = f.obj
_str = f.text
_int = f.integer


def first_line(text: Any, limit: int = 120) -> str:
    line = text.strip().splitlines()[0] if isinstance(text, str) and text.strip() else ""
    return f.clip(line, limit)


def _pr_numbers(items: Any) -> list[int]:
    return [n for n in (f.number(_obj(pr).get("number")) for pr in f.items(items)) if n]


def _names(items: Any, key: str) -> list[str]:
    return [name for name in (_str(_obj(item).get(key), 200) for item in f.items(items)) if name]


def _single(numbers: list[int]) -> int | None:
    return numbers[0] if len(numbers) == 1 else None


def _completed(c: EventContext, key: str) -> Mapping[str, Any] | str:
    """The payload's `key` object (a run or check) once completed, or why there is none."""
    found = _obj(c.payload.get(key))
    if c.action != "completed":
        return f"{key} action {c.action!r} is not handled (only 'completed')"
    if not found:
        return f"{key} payload has no {key} object"
    return found


def workflow_run(c: EventContext) -> Fields | str:
    run = _completed(c, "workflow_run")
    if isinstance(run, str):
        return run
    conclusion = _str(run.get("conclusion"))
    if conclusion not in ("success", "failure"):
        return f"workflow_run conclusion {conclusion!r} is not notified"
    name = _str(run.get("name")) or _str(_obj(c.payload.get("workflow")).get("name")) or "workflow"
    branch = _str(run.get("head_branch"))
    rule, ntype, verb = (
        ("workflow_run.success", "ci_success", "passed")
        if conclusion == "success"
        else ("workflow_run.failure", "ci_failure", "failed")
    )
    where = f" on {branch}" if branch else ""
    prs = _pr_numbers(run.get("pull_requests"))
    return Fields(
        rule=rule,
        type=ntype,
        title=f"CI {verb}: {name}{where}",
        detail=(f" — {first_line(run.get('display_title'))}" if run.get("display_title") else ""),
        group=(name, branch or ""),
        payload_summary={
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
        },
        extra={
            "url": _str(run.get("html_url")),
            "branch": branch,
            "head_sha": _str(run.get("head_sha")),
            "workflow": name,
            "sender": _str(_obj(run.get("actor")).get("login")) or c.sender,
            "pr_number": _single(prs),
            "conclusion": conclusion,
            "occurred_at": _str(run.get("updated_at")),
        },
    )


def check_run(c: EventContext) -> Fields | str:
    check = _completed(c, "check_run")
    if isinstance(check, str):
        return check
    conclusion = _str(check.get("conclusion"))
    if conclusion != "failure":
        return f"check_run conclusion {conclusion!r} is not notified (only 'failure')"
    name = _str(check.get("name")) or "check"
    branch = _str(_obj(check.get("check_suite")).get("head_branch"))
    where = f" on {branch}" if branch else ""
    output = _obj(check.get("output"))
    prs = _pr_numbers(check.get("pull_requests"))
    url = _str(check.get("html_url")) or _str(check.get("details_url"))
    detail = first_line(output.get("title"))
    return Fields(
        rule="check_run.failure",
        type="ci_failure",
        title=f"Check failed: {name}{where}",
        detail=f" — {detail}" if detail else "",
        group=(name, branch or ""),
        payload_summary={
            "check_run_id": _int(check.get("id")),
            "name": name,
            "conclusion": conclusion,
            "head_branch": branch,
            "head_sha": _str(check.get("head_sha")),
            "app": _str(_obj(check.get("app")).get("slug")),
            "output_title": _str(output.get("title")),
            "html_url": url,
            "pull_requests": prs,
        },
        extra={
            "url": url,
            "branch": branch,
            "head_sha": _str(check.get("head_sha")),
            "workflow": name,
            "pr_number": _single(prs),
            "conclusion": conclusion,
            "occurred_at": _str(check.get("completed_at")),
        },
    )


def pull_request(c: EventContext) -> Fields | str:
    pr = _obj(c.payload.get("pull_request"))
    if not pr:
        return "pull_request payload has no pull_request object"
    number = f.number(pr.get("number")) or f.number(c.payload.get("number"))
    if c.action == "opened":
        rule, ntype, verb = "pull_request.opened", "pr_created", "opened"
    elif c.action == "closed" and pr.get("merged") is True:
        rule, ntype, verb = "pull_request.merged", "pr_merged", "merged"
    elif c.action == "closed":
        return "pull_request was closed without being merged"
    else:
        return f"pull_request action {c.action!r} is not handled (only opened, merged)"
    head = _obj(pr.get("head"))
    base_ref, head_ref = _str(_obj(pr.get("base")).get("ref")), _str(head.get("ref"))
    pr_title = first_line(pr.get("title"))
    into = f" into {base_ref}" if verb == "merged" and base_ref else ""
    author = _str(_obj(pr.get("user")).get("login"))
    merged_by = _str(_obj(pr.get("merged_by")).get("login"))
    by = merged_by if verb == "merged" else author
    return Fields(
        rule=rule,
        type=ntype,
        title=f"PR #{number} {verb}{into}: {pr_title}",
        detail=f" (by {by})" if by else "",
        group=("pr", str(number)),
        payload_summary={
            "number": number,
            "title": pr_title,
            "author": author,
            "head_ref": head_ref,
            "base_ref": base_ref,
            "draft": pr.get("draft") is True,
            "merged": pr.get("merged") is True,
            "merged_by": merged_by,
            "merge_commit_sha": _str(pr.get("merge_commit_sha")),
            "html_url": _str(pr.get("html_url")),
        },
        extra={
            "url": _str(pr.get("html_url")),
            "branch": head_ref,
            "base_branch": base_ref,
            "head_sha": _str(head.get("sha")),
            "pr_number": number,
            "occurred_at": _str(pr.get("merged_at") if verb == "merged" else pr.get("created_at")),
        },
    )


def issues(c: EventContext) -> Fields | str:
    issue = _obj(c.payload.get("issue"))
    if c.action != "labeled":
        return f"issues action {c.action!r} is not handled (only 'labeled')"
    label = _str(_obj(c.payload.get("label")).get("name"))
    if label is None or label.casefold() != c.blocked_label.casefold():
        return f"issue label {label!r} is not {c.blocked_label!r}"
    if not issue:
        return "issues payload has no issue object"
    number = f.number(issue.get("number"))
    issue_title = first_line(issue.get("title"))
    return Fields(
        rule="issues.labeled.blocked",
        type="task_blocked",
        title=f"Task blocked: #{number} {issue_title}",
        detail=f" (labeled by {c.sender})" if c.sender else "",
        group=("issue", str(number)),
        payload_summary={
            "number": number,
            "title": issue_title,
            "label": label,
            "labels": _names(issue.get("labels"), "name"),
            "assignees": _names(issue.get("assignees"), "login"),
            "state": _str(issue.get("state")),
            "html_url": _str(issue.get("html_url")),
        },
        extra={
            "url": _str(issue.get("html_url")),
            "issue_number": number,
            "occurred_at": _str(issue.get("updated_at")),
        },
    )


def push(c: EventContext) -> Fields | str:
    ref = _str(c.payload.get("ref")) or ""
    if not ref.startswith("refs/heads/"):
        return f"push to {ref or 'an unknown ref'!r} is not a branch push"
    branch = ref.removeprefix("refs/heads/")
    if c.payload.get("deleted") is True:
        return f"push deleted branch {branch!r}"
    if branch not in c.watched_branches:
        watched = ", ".join(sorted(c.watched_branches)) or "none"
        return f"push to branch {branch!r} is not watched (watched: {watched})"
    commits = c.payload.get("commits")
    count = len(commits) if isinstance(commits, list) else 0
    head = _obj(c.payload.get("head_commit"))
    pusher = _str(_obj(c.payload.get("pusher")).get("name")) or c.sender
    noun = "commit" if count == 1 else "commits"
    message = first_line(head.get("message"))
    after = _str(c.payload.get("after"))
    return Fields(
        rule="push",
        type="generic",
        title=f"{count} {noun} pushed to {branch}",
        detail=(f" by {pusher}" if pusher else "") + (f" — {message}" if message else ""),
        group=("push", branch),
        payload_summary={
            "ref": ref,
            "before": _str(c.payload.get("before")),
            "after": after,
            "commit_count": count,
            "forced": c.payload.get("forced") is True,
            "created": c.payload.get("created") is True,
            "head_commit_message": message or None,
            "pusher": pusher,
            "compare": _str(c.payload.get("compare")),
        },
        extra={
            "action": None,
            "url": _str(c.payload.get("compare")) or _str(head.get("url")),
            "branch": branch,
            "head_sha": after,
            "occurred_at": _str(head.get("timestamp")),
        },
    )


RULES: Mapping[str, Rule] = {
    "workflow_run": workflow_run,
    "check_run": check_run,
    "pull_request": pull_request,
    "issues": issues,
    "push": push,
}
