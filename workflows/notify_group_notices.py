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


def _red_notice(group: GroupState, title: str, tail: str, **extra: Any) -> dict[str, Any]:
    """A notice that the branch is still red: the last failure's fields, `title`, a summary
    ending in `tail`, `extra`, and the group's count of failed runs."""
    n = dict(group.last_failure or {})
    n["title"] = f"{title}: {group.workflow}{_where(group)}"
    n["summary"] = f"{group.repo}: {n['title']} — {tail}"
    n.update(extra)
    n["count"] = group.failures_total
    n["group_key"] = group.group_key
    return n


def _red(group: GroupState) -> str:
    return f"red since {group.red_since}, {group.failures_total} failed run(s)"


def reminder_notice(group: GroupState) -> dict[str, Any]:
    """The reminder numbered `group.reminders` for a branch still red."""
    return _red_notice(group, "Still failing", _red(group), reminder=group.reminders)


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
    times = "time" if held.count == 1 else "times"
    tail = f"failed {held.count} {times} while muted (since {held.since}), {_red(group)}"
    summary = {"interval": held.interval, "since": held.since, "count": held.count}
    return _red_notice(group, f"Still failing after {held.interval}", tail, held=summary)


def silence_ended_notice(group: GroupState, silence_id: str) -> dict[str, Any]:
    """The group's state, sent once when a silence that kept it quiet ends while still red."""
    return _red_notice(
        group, "Still failing (silence ended)", _red(group), silence_ended=silence_id
    )
