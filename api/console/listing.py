"""Lists as they travel in links and forms: the delivery filter read from query or form fields
(bounded, refused with a message when malformed) and written back into links; page cursors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from contract.statuses import DispatchStatus
from queries.deliveries import DeliveryFilter, iso_time, since_time
from queries.keyset import Cursor, Page

FIELDS = ("q", "event", "action", "repo", "status", "since", "until")
MAX_FIELD = 300
STATUSES = tuple(s.value for s in DispatchStatus)
# Events hookflow routes (suggestions in the form; any other name can be typed).
EVENTS = (
    "issues",
    "issue_comment",
    "pull_request",
    "pull_request_review",
    "push",
    "workflow_run",
    "check_run",
    "hookflow_run",
    "ping",
)


@dataclass
class ListFilter:
    """The fields as typed (for the form and links) and what they mean (for the query)."""

    values: dict[str, str] = field(default_factory=dict)
    where: DeliveryFilter = field(default_factory=DeliveryFilter)
    errors: list[str] = field(default_factory=list)

    def params(self, **extra: str) -> str:
        """The query string of this filter with `extra` fields set (or, empty, removed)."""
        merged = {**self.values, **extra}
        return urlencode([(k, v) for k, v in merged.items() if v])

    @property
    def described(self) -> str:
        shown = [f"{k}={v}" for k, v in self.values.items() if v]
        return ", ".join(shown) if shown else "no filter (every delivery)"


def read_filter(fields: Mapping[str, str], now: datetime | None = None) -> ListFilter:
    """The filter from request fields; a malformed field is dropped with a message."""
    now = now or datetime.now(UTC)
    values: dict[str, str] = {}
    errors: list[str] = []
    for name in FIELDS:
        text = (fields.get(name) or "").strip()
        if len(text) > MAX_FIELD or "\x00" in text:
            errors.append(f"{name}: at most {MAX_FIELD} characters of text")
            continue
        values[name] = text
    if values.get("status") and values["status"] not in STATUSES:
        errors.append(f"status: one of {', '.join(STATUSES)}")
        values["status"] = ""
    since = until = None
    try:
        since = since_time(values["since"], now) if values.get("since") else None
    except ValueError as exc:
        errors.append(str(exc))
        values["since"] = ""
    try:
        until = iso_time(values["until"], "until") if values.get("until") else None
    except ValueError as exc:
        errors.append(str(exc))
        values["until"] = ""
    where = DeliveryFilter(
        event=values.get("event") or None,
        action=values.get("action") or None,
        repo=values.get("repo") or None,
        status=values.get("status") or None,
        since=since,
        until=until,
        delivery_id=values.get("q") or None,
    )
    return ListFilter(values, where, errors)


def read_cursor(text: str | None) -> Cursor | None:
    """A page cursor from a link; ValueError when it was edited into something else."""
    if not text:
        return None
    if len(text) > 100:
        raise ValueError("not a page cursor")
    return Cursor.decode(text)


def pager_links(page: Page[Any], keep: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The query strings of a list's older and newer pages: the list's filters `keep`, a cursor."""
    return {
        "older": urlencode([*keep, ("before", page.older.encode())]) if page.older else None,
        "newer": urlencode([*keep, ("after", page.newer.encode())]) if page.newer else None,
    }
