"""The texts a notification group sends: batch, reminder, resolution, and the batch priority."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from contract.inputs import GroupInput
from workflows.notify_group_notices import (
    batch_notice,
    reminder_notice,
    resolved_notice,
    top_priority,
)


def ci_group(**changes: Any) -> GroupInput:
    """The state of acme/w's group for CI on main, with `changes`."""
    return replace(GroupInput("acme/w|CI|main", "workflow_run", "acme/w", "CI", "main"), **changes)


def failure(title: str, priority: str = "high", **extra: Any) -> dict[str, Any]:
    return {"type": "ci_failure", "title": title, "summary": f"acme/w: {title}", **extra} | {
        "priority": priority
    }


@pytest.mark.parametrize(
    ("priorities", "top"),
    [
        (["low", "urgent", "medium"], "urgent"),
        (["low", "medium"], "medium"),
        (["bogus", None], "high"),
        ([], "high"),
    ],
)
def test_top_priority_picks_the_highest_known(priorities: list[Any], top: str) -> None:
    assert top_priority([{"priority": p} for p in priorities]) == top


def test_batch_notice_of_one_failure_keeps_its_title() -> None:
    n = batch_notice(ci_group(), [failure("CI failed: CI on main")], ["d1"])
    assert n["title"] == "CI failed: CI on main"
    assert (n["count"], n["group_key"], n["delivery_ids"]) == (1, "acme/w|CI|main", ["d1"])


@pytest.mark.parametrize(
    ("kind", "branch", "title"),
    [
        ("workflow_run", "main", "CI failed 2 times: CI on main"),
        ("check_run", "feature/x", "Check failed 2 times: CI on feature/x"),
        ("workflow_run", "", "CI failed 2 times: CI"),
    ],
)
def test_batch_notice_of_several_failures_counts_them(kind: str, branch: str, title: str) -> None:
    batch = [failure("old", "medium", head_sha="a"), failure("new", "urgent", head_sha="b")]
    n = batch_notice(ci_group(kind=kind, branch=branch), batch, ["d1", None])
    assert n["title"] == title and n["summary"] == f"acme/w: {title}"
    assert (n["priority"], n["head_sha"], n["count"]) == ("urgent", "b", 2)
    assert batch[-1]["title"] == "new"  # the input is not changed


def test_reminder_notice_says_since_when_and_how_many() -> None:
    group = ci_group(
        red_since="2026-01-01T10:00:00+00:00",
        failures_total=3,
        reminders=2,
        last_failure=failure("CI failed: CI on main", url="u"),
    )
    n = reminder_notice(group)
    assert n["title"] == "Still failing: CI on main"
    assert n["summary"] == (
        "acme/w: Still failing: CI on main — red since 2026-01-01T10:00:00+00:00, 3 failed run(s)"
    )
    assert (n["reminder"], n["count"], n["url"]) == (2, 3, "u")


@pytest.mark.parametrize(
    ("red_since", "summary"),
    [
        ("T0", "acme/w: CI recovered: CI on main after 2 failed run(s) (red since T0)"),
        (None, "acme/w: CI recovered: CI on main after 2 failed run(s)"),
    ],
)
def test_resolved_notice_turns_the_success_into_ci_resolved(
    red_since: str | None, summary: str
) -> None:
    success = {"type": "ci_success", "title": "CI passed: CI on main", "url": "u"}
    n = resolved_notice(ci_group(red_since=red_since, failures_total=2), success)
    assert (n["type"], n["title"], n["summary"]) == (
        "ci_resolved",
        "CI recovered: CI on main",
        summary,
    )
    assert (n["failures"], n["url"], success["type"]) == (2, "u", "ci_success")
