"""Titles and Markdown bodies of CI-failure issues and their comments (no I/O)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Protocol

from activities.ci_failed_jobs import (
    FailedJob,
    check_limit,
    clip,
    code,
    omitted_line,
    render_jobs,
    short_sha,
)
from contract.limits import MAX_BODY_CHARS
from notify.render import Renderer, shipped_renderer

__all__ = [
    "FailedRun",
    "failure_comment_body",
    "failure_issue_body",
    "failure_issue_title",
    "flaky_reopen_comment_body",
    "recovery_comment_body",
]


class FailedRun(Protocol):
    """The run a body speaks of (activities.ci_failure.CIRunEvent)."""

    repo: str
    workflow: str
    branch: str
    run_url: str
    run_id: int
    attempt: int
    head_sha: str
    actor: str


def _run_line(run: FailedRun) -> str:
    return (
        f"Run [{code(str(run.run_id))}]({run.run_url}), attempt {run.attempt}, "
        f"head {short_sha(run.head_sha)}."
    )


TITLE_LIMIT = 256  # GitHub's longest issue title
# Room a custom header or footer may take: the failed jobs are fitted into what is left.
_TEMPLATE_SHARE = 8


def _template_context(run: object, failed_jobs: int = 0) -> dict[str, object]:
    # The Markdown helpers are given to the templates: names and branches are untrusted text
    # (`code` makes them inline code no backtick can close).
    return {
        "run": run,
        "failed_jobs": failed_jobs,
        "code": code,
        "clip": clip,
        "short_sha": short_sha,
    }


def failure_issue_title(
    workflow: str,
    branch: str,
    *,
    run: FailedRun | None = None,
    renderer: Renderer | None = None,
) -> str:
    """Title of the issue that tracks a failing workflow on a branch (ci_issue/subject.j2;
    `run` gives a custom template the other fields)."""
    subject = run or SimpleNamespace(workflow=workflow, branch=branch)
    text = (renderer or shipped_renderer()).render(
        "ci_issue", "subject", _template_context(subject)
    )
    return " ".join(text.split())[:TITLE_LIMIT] or f"CI failure: {clip(workflow, 100)}"


def failure_issue_body(
    run: FailedRun,
    *,
    failed_jobs: list[FailedJob],
    marker: str,
    limit: int = MAX_BODY_CHARS,
    renderer: Renderer | None = None,
) -> str:
    """Markdown body of the issue opened for the first failure (ci_issue/body.j2, the failed
    jobs, ci_issue/footer.j2); ``marker`` appears verbatim."""
    check_limit(limit, marker)
    templates = renderer or shipped_renderer()
    context = _template_context(run, len(failed_jobs))
    share = limit // _TEMPLATE_SHARE
    header = marker + "\n" + templates.render("ci_issue", "body", context)[:share]
    footer = templates.render("ci_issue", "footer", context)[:share]

    def render(sections: list[str], omitted: int) -> str:
        parts = [header, *sections]
        if omitted:
            parts.append(omitted_line(omitted))
        if not failed_jobs:
            parts.append("_No failed job details were available._")
        parts.append(footer)
        return "\n\n".join(parts) + "\n"

    return render_jobs(render, failed_jobs, "####", limit)


def failure_comment_body(
    run: FailedRun,
    *,
    failed_jobs: list[FailedJob],
    failure_count: int,
    marker: str = "",
    limit: int = MAX_BODY_CHARS,
) -> str:
    """Comment for a repeat failure on an open CI-failure issue."""
    check_limit(limit, marker)
    times = "time" if failure_count == 1 else "times"
    header = "\n".join(
        filter(
            None,
            [
                marker,
                f"**Failed again** — {failure_count} {times} so far. {_run_line(run)}",
            ],
        )
    )

    return _comment_with_jobs(header, failed_jobs, limit)


def _comment_with_jobs(header: str, failed_jobs: list[FailedJob], limit: int) -> str:
    """A comment: its header, then the failed jobs fitted under `limit`."""

    def render(sections: list[str], omitted: int) -> str:
        parts = [header, *sections]
        if omitted:
            parts.append(omitted_line(omitted))
        return "\n\n".join(parts) + "\n"

    return render_jobs(render, failed_jobs, "**Job**", limit)


def recovery_comment_body(
    run: FailedRun,
    *,
    marker: str = "",
    limit: int = MAX_BODY_CHARS,
) -> str:
    """Comment for a green run after failures."""
    check_limit(limit, marker)
    text = (
        f"✅ {code(run.workflow)} passed on {code(run.branch)} at {short_sha(run.head_sha)} "
        f"([run]({run.run_url}))."
    )
    body = "\n\n".join(filter(None, [marker, text])) + "\n"
    return body[:limit]


def flaky_reopen_comment_body(
    run: FailedRun,
    *,
    failed_jobs: list[FailedJob],
    recovered_sha: str | None = None,
    marker: str = "",
    limit: int = MAX_BODY_CHARS,
) -> str:
    """Comment when a closed CI-failure issue is reopened because the workflow failed again."""
    check_limit(limit, marker)
    since = f" after passing at {short_sha(recovered_sha)}" if recovered_sha else ""
    header = "\n".join(
        filter(
            None,
            [
                marker,
                f"🔁 **Reopened:** {code(run.workflow)} failed again on {code(run.branch)}"
                f"{since} — this may be flaky. {_run_line(run)}",
            ],
        )
    )

    return _comment_with_jobs(header, failed_jobs, limit)
