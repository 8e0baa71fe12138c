"""What a notification group sends: one notice for a batch of failures, a reminder while the
branch stays red, and the resolution when it turns green. Pure functions of the group's state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from contract.notify_plan import HeldNotice
from routing.notifications import PRIORITIES


class GroupState(Protocol):
    """The fields of a group's state the notices read (workflows.notify_group.GroupInput)."""

    group_key: str
    kind: str
    repo: str
    workflow: str
    branch: str
    red_since: str | None
    failures_total: int
    reminders: int
    last_failure: dict[str, Any] | None


def top_priority(items: Sequence[Mapping[str, Any]]) -> str:
    """The highest priority among `items` ("high" when none names a known one)."""
    ranks = [PRIORITIES.index(p) for p in (i.get("priority") for i in items) if p in PRIORITIES]
    return PRIORITIES[max(ranks)] if ranks else "high"


def _where(group: GroupState) -> str:
    return f" on {group.branch}" if group.branch else ""


def batch_notice(
    group: GroupState, batch: Sequence[Mapping[str, Any]], delivery_ids: list[str | None]
) -> dict[str, Any]:
    """One notification for the failures gathered in one interval (the newest one's fields)."""
    n = dict(batch[-1])
    count = len(batch)
    if count > 1:
        noun = "Check" if group.kind == "check_run" else "CI"
        n["title"] = f"{noun} failed {count} times: {group.workflow}{_where(group)}"
        n["summary"] = f"{group.repo}: {n['title']}"
    n["priority"] = top_priority(batch)
    n["count"] = count
    n["group_key"] = group.group_key
    n["delivery_ids"] = delivery_ids
    return n


def reminder_notice(group: GroupState) -> dict[str, Any]:
    """The reminder numbered `group.reminders` for a branch still red."""
    n = dict(group.last_failure or {})
    n["title"] = f"Still failing: {group.workflow}{_where(group)}"
    n["summary"] = (
        f"{group.repo}: {n['title']} — red since {group.red_since}, "
        f"{group.failures_total} failed run(s)"
    )
    n["reminder"] = group.reminders
    n["count"] = group.failures_total
    n["group_key"] = group.group_key
    return n


def resolved_notice(group: GroupState, success: Mapping[str, Any]) -> dict[str, Any]:
    """The `ci_resolved` notification `success` sends for a group that was red."""
    n = dict(success)
    n["type"] = "ci_resolved"
    n["title"] = f"CI recovered: {group.workflow}{_where(group)}"
    since = f" (red since {group.red_since})" if group.red_since else ""
    n["summary"] = f"{group.repo}: {n['title']} after {group.failures_total} failed run(s){since}"
    n["failures"] = group.failures_total
    n["group_key"] = group.group_key
    return n


def held_summary_notice(group: GroupState, held: HeldNotice) -> dict[str, Any]:
    """What a receiver muted while the branch was red gets when the mute ends: one summary."""
    n = dict(group.last_failure or {})
    n["title"] = f"Still failing after {held.interval}: {group.workflow}{_where(group)}"
    times = "time" if held.count == 1 else "times"
    n["summary"] = (
        f"{group.repo}: {n['title']} — failed {held.count} {times} while muted (since "
        f"{held.since}), red since {group.red_since}, {group.failures_total} failed run(s)"
    )
    n["held"] = {"interval": held.interval, "since": held.since, "count": held.count}
    n["count"] = group.failures_total
    n["group_key"] = group.group_key
    return n


def silence_ended_notice(group: GroupState, silence_id: str) -> dict[str, Any]:
    """The group's state, sent once when a silence that kept it quiet ends while still red."""
    n = dict(group.last_failure or {})
    n["title"] = f"Still failing (silence ended): {group.workflow}{_where(group)}"
    n["summary"] = (
        f"{group.repo}: {n['title']} — red since {group.red_since}, "
        f"{group.failures_total} failed run(s)"
    )
    n["silence_ended"] = silence_id
    n["count"] = group.failures_total
    n["group_key"] = group.group_key
    return n
