"""The notification rules of CI events: a completed workflow run (failure or success) and a
failed check run."""

from __future__ import annotations

from routing import fields as f
from routing.notification_rules.context import (
    EventContext,
    Fields,
    completed,
    first_line,
    pr_numbers,
    single,
)


def workflow_run(c: EventContext) -> Fields | str:
    run = completed(c, "workflow_run")
    if isinstance(run, str):
        return run
    conclusion = f.text(run.get("conclusion"))
    if conclusion not in ("success", "failure"):
        return f"workflow_run conclusion {conclusion!r} is not notified"
    name = (
        f.text(run.get("name"))
        or f.text(f.obj(c.payload.get("workflow")).get("name"))
        or "workflow"
    )
    branch = f.text(run.get("head_branch"))
    rule, ntype, verb = (
        ("workflow_run.success", "ci_success", "passed")
        if conclusion == "success"
        else ("workflow_run.failure", "ci_failure", "failed")
    )
    where = f" on {branch}" if branch else ""
    prs = pr_numbers(run.get("pull_requests"))
    return Fields(
        rule=rule,
        type=ntype,
        title=f"CI {verb}: {name}{where}",
        detail=(f" — {first_line(run.get('display_title'))}" if run.get("display_title") else ""),
        group=(name, branch or ""),
        payload_summary={
            "workflow_run_id": f.integer(run.get("id")),
            "name": name,
            "run_number": f.integer(run.get("run_number")),
            "run_attempt": f.integer(run.get("run_attempt")),
            "conclusion": conclusion,
            "head_branch": branch,
            "head_sha": f.text(run.get("head_sha")),
            "trigger": f.text(run.get("event")),
            "display_title": f.text(run.get("display_title")),
            "html_url": f.text(run.get("html_url")),
            "pull_requests": prs,
        },
        extra={
            "url": f.text(run.get("html_url")),
            "branch": branch,
            "head_sha": f.text(run.get("head_sha")),
            "workflow": name,
            "sender": f.text(f.obj(run.get("actor")).get("login")) or c.sender,
            "pr_number": single(prs),
            "conclusion": conclusion,
            "occurred_at": f.text(run.get("updated_at")),
        },
    )


def check_run(c: EventContext) -> Fields | str:
    check = completed(c, "check_run")
    if isinstance(check, str):
        return check
    conclusion = f.text(check.get("conclusion"))
    if conclusion != "failure":
        return f"check_run conclusion {conclusion!r} is not notified (only 'failure')"
    name = f.text(check.get("name")) or "check"
    branch = f.text(f.obj(check.get("check_suite")).get("head_branch"))
    where = f" on {branch}" if branch else ""
    output = f.obj(check.get("output"))
    prs = pr_numbers(check.get("pull_requests"))
    url = f.text(check.get("html_url")) or f.text(check.get("details_url"))
    detail = first_line(output.get("title"))
    return Fields(
        rule="check_run.failure",
        type="ci_failure",
        title=f"Check failed: {name}{where}",
        detail=f" — {detail}" if detail else "",
        group=(name, branch or ""),
        payload_summary={
            "check_run_id": f.integer(check.get("id")),
            "name": name,
            "conclusion": conclusion,
            "head_branch": branch,
            "head_sha": f.text(check.get("head_sha")),
            "app": f.text(f.obj(check.get("app")).get("slug")),
            "output_title": f.text(output.get("title")),
            "html_url": url,
            "pull_requests": prs,
        },
        extra={
            "url": url,
            "branch": branch,
            "head_sha": f.text(check.get("head_sha")),
            "workflow": name,
            "pr_number": single(prs),
            "conclusion": conclusion,
            "occurred_at": f.text(check.get("completed_at")),
        },
    )
