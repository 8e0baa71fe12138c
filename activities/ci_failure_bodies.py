"""Titles and Markdown bodies of CI-failure issues and their comments (no I/O)."""

from __future__ import annotations

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


def failure_issue_title(workflow: str, branch: str) -> str:
    """Title of the issue that tracks a failing workflow on a branch."""
    return f"CI failure: {clip(workflow, 100)} on {clip(branch, 100)}"


def failure_issue_body(
    run: FailedRun,
    *,
    failed_jobs: list[FailedJob],
    marker: str,
    limit: int = MAX_BODY_CHARS,
) -> str:
    """Markdown body of the issue opened for the first failure; ``marker`` appears verbatim."""
    check_limit(limit, marker)
    header = "\n".join(
        [
            marker,
            f"## {code(run.workflow)} is failing on {code(run.branch)}",
            "",
            f"- **Repository:** {code(run.repo)}",
            f"- **Run:** [{code(str(run.run_id))}]({run.run_url})",
            f"- **Attempt:** {run.attempt}",
            f"- **Head SHA:** {short_sha(run.head_sha)}",
            f"- **Branch:** {code(run.branch)}",
            f"- **Actor:** {code(run.actor) if run.actor else 'unknown'}",
            "",
            f"### Failed jobs ({len(failed_jobs)})",
        ]
    )
    footer = (
        "_Opened by hookflow. Repeated failures are added as comments; "
        "a green run on this branch is reported here too._"
    )

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
