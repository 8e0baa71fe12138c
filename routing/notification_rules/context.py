"""What every notification rule reads (EventContext) and returns (Fields), and the payload
readers the rules share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from routing import fields as f


@dataclass(frozen=True)
class EventContext:
    """One delivery as every rule sees it (the repository is already validated)."""

    event: str
    payload: Mapping[str, Any]
    repo: str
    action: str | None
    sender: str | None
    watched_branches: frozenset[str]
    blocked_label: str


@dataclass(frozen=True)
class Fields:
    """What a rule decides. summary reads "{repo}: {title}{detail}"; group_key is
    "{repo}|{group…}"; `extra` holds the optional Notification fields the event fills in."""

    rule: str  # the PRIORITY_MAP key, e.g. "workflow_run.failure"
    type: str
    title: str
    detail: str
    group: tuple[str, ...]
    payload_summary: Mapping[str, Any]
    extra: Mapping[str, Any] = field(default_factory=dict)


Rule = Callable[[EventContext], Fields | str]


def first_line(text: Any, limit: int = 120) -> str:
    """The first line of `text`, clipped to `limit` characters ("" when it is not text)."""
    line = text.strip().splitlines()[0] if isinstance(text, str) and text.strip() else ""
    return f.clip(line, limit)


def pr_numbers(items: Any) -> list[int]:
    """The numbers of a payload's `pull_requests` list, skipping what is not a number."""
    return [n for n in (f.number(f.obj(pr).get("number")) for pr in f.items(items)) if n]


def names(items: Any, key: str) -> list[str]:
    """The `key` text of each object in a payload list (labels' names, assignees' logins)."""
    return [name for name in (f.text(f.obj(item).get(key), 200) for item in f.items(items)) if name]


def single(numbers: list[int]) -> int | None:
    """The one number of a list of one, else None (a run for several PRs names none)."""
    return numbers[0] if len(numbers) == 1 else None


def completed(c: EventContext, key: str) -> Mapping[str, Any] | str:
    """The payload's `key` object (a run or check) once completed, or why there is none."""
    found = f.obj(c.payload.get(key))
    if c.action != "completed":
        return f"{key} action {c.action!r} is not handled (only 'completed')"
    if not found:
        return f"{key} payload has no {key} object"
    return found
