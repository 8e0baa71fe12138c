"""What the `hookflow check` tests share: the token and repository of the fake GitHub, the
events a correct hook carries, and one line of the report."""

from __future__ import annotations

from tests.support.fakes.github_identity import DEFAULT_EVENTS

TOKEN = "ghp_check0token0abcdefghijklmnopqrstu"
REPO = "octo/app"
ALL_EVENTS = list(DEFAULT_EVENTS)  # the events the fake App subscribes to


def line(text: str, name: str) -> str:
    """The report's one line for the check `name`."""
    found = [row for row in text.splitlines() if row[6:].startswith(f"{name}: ")]
    assert len(found) == 1, f"no single line for {name!r} in:\n{text}"
    return found[0]
