"""What the `hookflow check` tests share: the token and repository of the fake GitHub, the
events a correct hook carries, and one line of the report."""

from __future__ import annotations

TOKEN = "ghp_check0token0abcdefghijklmnopqrstu"
REPO = "octo/app"
ALL_EVENTS = [
    "check_run",
    "check_suite",
    "issue_comment",
    "issues",
    "pull_request",
    "pull_request_review",
    "push",
    "workflow_run",
]


def line(text: str, name: str) -> str:
    """The report's one line for the check `name`."""
    found = [row for row in text.splitlines() if row[6:].startswith(f"{name}: ")]
    assert len(found) == 1, f"no single line for {name!r} in:\n{text}"
    return found[0]
