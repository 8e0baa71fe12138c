"""The notification rules of repository events: a pull request opened or merged, a task
labelled blocked, a push to a watched branch."""

from __future__ import annotations

from routing import fields as f
from routing.notification_rules.context import EventContext, Fields, first_line, names


def pull_request(c: EventContext) -> Fields | str:
    pr = f.obj(c.payload.get("pull_request"))
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
    head = f.obj(pr.get("head"))
    base_ref, head_ref = f.text(f.obj(pr.get("base")).get("ref")), f.text(head.get("ref"))
    pr_title = first_line(pr.get("title"))
    into = f" into {base_ref}" if verb == "merged" and base_ref else ""
    author = f.text(f.obj(pr.get("user")).get("login"))
    merged_by = f.text(f.obj(pr.get("merged_by")).get("login"))
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
            "merge_commit_sha": f.text(pr.get("merge_commit_sha")),
            "html_url": f.text(pr.get("html_url")),
        },
        extra={
            "url": f.text(pr.get("html_url")),
            "branch": head_ref,
            "base_branch": base_ref,
            "head_sha": f.text(head.get("sha")),
            "pr_number": number,
            "occurred_at": f.text(
                pr.get("merged_at") if verb == "merged" else pr.get("created_at")
            ),
        },
    )


def issues(c: EventContext) -> Fields | str:
    issue = f.obj(c.payload.get("issue"))
    if c.action != "labeled":
        return f"issues action {c.action!r} is not handled (only 'labeled')"
    label = f.text(f.obj(c.payload.get("label")).get("name"))
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
            "labels": names(issue.get("labels"), "name"),
            "assignees": names(issue.get("assignees"), "login"),
            "state": f.text(issue.get("state")),
            "html_url": f.text(issue.get("html_url")),
        },
        extra={
            "url": f.text(issue.get("html_url")),
            "issue_number": number,
            "occurred_at": f.text(issue.get("updated_at")),
        },
    )


def push(c: EventContext) -> Fields | str:
    ref = f.text(c.payload.get("ref")) or ""
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
    head = f.obj(c.payload.get("head_commit"))
    pusher = f.text(f.obj(c.payload.get("pusher")).get("name")) or c.sender
    noun = "commit" if count == 1 else "commits"
    message = first_line(head.get("message"))
    after = f.text(c.payload.get("after"))
    return Fields(
        rule="push",
        type="generic",
        title=f"{count} {noun} pushed to {branch}",
        detail=(f" by {pusher}" if pusher else "") + (f" — {message}" if message else ""),
        group=("push", branch),
        payload_summary={
            "ref": ref,
            "before": f.text(c.payload.get("before")),
            "after": after,
            "commit_count": count,
            "forced": c.payload.get("forced") is True,
            "created": c.payload.get("created") is True,
            "head_commit_message": message or None,
            "pusher": pusher,
            "compare": f.text(c.payload.get("compare")),
        },
        extra={
            "action": None,
            "url": f.text(c.payload.get("compare")) or f.text(head.get("url")),
            "branch": branch,
            "head_sha": after,
            "occurred_at": f.text(head.get("timestamp")),
        },
    )
