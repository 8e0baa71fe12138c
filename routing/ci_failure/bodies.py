"""Titles and Markdown bodies of CI-failure issues and their comments (no I/O)."""

from __future__ import annotations

from ghclient.bodies import MAX_BODY_CHARS
from routing.ci_failure.jobs import (
    FailedJob,
    check_limit,
    clip,
    code,
    omitted_line,
    render_jobs,
    short_sha,
)

__all__ = [
    "failure_comment_body",
    "failure_issue_body",
    "failure_issue_title",
    "flaky_reopen_comment_body",
    "recovery_comment_body",
]


def failure_issue_title(workflow: str, branch: str) -> str:
    """Title of the issue that tracks a failing workflow on a branch."""
    return f"CI failure: {clip(workflow, 100)} on {clip(branch, 100)}"


def failure_issue_body(
    *,
    repo: str,
    workflow: str,
    branch: str,
    run_url: str,
    run_id: int | str,
    attempt: int,
    head_sha: str,
    actor: str,
    failed_jobs: list[FailedJob],
    marker: str,
    limit: int = MAX_BODY_CHARS,
) -> str:
    """Markdown body of the issue opened for the first failure; ``marker`` appears verbatim."""
    check_limit(limit, marker)
    header = "\n".join(
        [
            marker,
            f"## {code(workflow)} is failing on {code(branch)}",
            "",
            f"- **Repository:** {code(repo)}",
            f"- **Run:** [{code(str(run_id))}]({run_url})",
            f"- **Attempt:** {attempt}",
            f"- **Head SHA:** {short_sha(head_sha)}",
            f"- **Branch:** {code(branch)}",
            f"- **Actor:** {code(actor) if actor else 'unknown'}",
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
    *,
    run_url: str,
    run_id: int | str,
    attempt: int,
    head_sha: str,
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
                f"**Failed again** — {failure_count} {times} so far. "
                f"Run [{code(str(run_id))}]({run_url}), attempt {attempt}, "
                f"head {short_sha(head_sha)}.",
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
    *,
    run_url: str,
    head_sha: str,
    workflow: str,
    branch: str,
    marker: str = "",
    limit: int = MAX_BODY_CHARS,
) -> str:
    """Comment for a green run after failures."""
    check_limit(limit, marker)
    text = (
        f"✅ {code(workflow)} passed on {code(branch)} at {short_sha(head_sha)} ([run]({run_url}))."
    )
    body = "\n\n".join(filter(None, [marker, text])) + "\n"
    return body[:limit]


def flaky_reopen_comment_body(
    *,
    run_url: str,
    run_id: int | str,
    attempt: int,
    head_sha: str,
    workflow: str,
    branch: str,
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
                f"🔁 **Reopened:** {code(workflow)} failed again on {code(branch)}{since} — "
                "this may be flaky. "
                f"Run [{code(str(run_id))}]({run_url}), attempt {attempt}, "
                f"head {short_sha(head_sha)}.",
            ],
        )
    )

    return _comment_with_jobs(header, failed_jobs, limit)
