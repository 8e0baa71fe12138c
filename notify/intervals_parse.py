"""Read the `time_intervals:` of a notification config into notify.intervals' types, reporting
each mistake with its path. Pure."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from notify.intervals import Range, TimeInterval, TimeRange, TimeSpec
from notify.problems import Problems, at

SPEC_KEYS = ("times", "weekdays", "days_of_month", "months", "years", "location")
_TIME = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}


def _minutes(value: Any, path: str, problems: Problems) -> int | None:
    found = _TIME.match(value) if isinstance(value, str) else None
    if found is None:
        problems.add(path, f'{value!r} is not a time of day (write "HH:MM", e.g. "22:00")')
        return None
    minutes = int(found.group(1)) * 60 + int(found.group(2))
    if minutes > 1440:
        problems.add(path, f"{value!r} is after 24:00")
        return None
    return minutes


def _times(raw: Any, path: str, problems: Problems) -> tuple[TimeRange, ...]:
    result = []
    for i, item in enumerate(_list(raw, path, problems)):
        where = at(path, i)
        if not isinstance(item, dict) or set(item) != {"start_time", "end_time"}:
            problems.add(where, "needs exactly start_time and end_time")
            continue
        start = _minutes(item["start_time"], at(where, "start_time"), problems)
        end = _minutes(item["end_time"], at(where, "end_time"), problems)
        if start is None or end is None:
            continue
        if start == end or start == 1440:
            problems.add(where, "start_time and end_time must differ (and start before 24:00)")
            continue
        result.append(TimeRange(start, end))
    return tuple(result)


def _list(raw: Any, path: str, problems: Problems) -> list[Any]:
    if isinstance(raw, list):
        return raw
    problems.add(path, f"must be a list, not {type(raw).__name__}")
    return []


@dataclass(frozen=True)
class _RangeKind:
    """What one list of `a:b` ranges holds: its name in messages, how a value reads, its bounds."""

    what: str
    value_of: Callable[[str], int | None]
    valid: Callable[[int], bool]
    signed: bool = False


def _ranges(raw: Any, path: str, problems: Problems, kind: _RangeKind) -> tuple[Range, ...]:
    """`["monday:friday", "sunday"]`, `["1:5", -1]`: single values or inclusive `a:b` ranges."""
    result = []
    for i, item in enumerate(_list(raw, path, problems)):
        where = at(path, i)
        text = str(item).strip().lower() if isinstance(item, str | int) else ""
        if isinstance(item, bool) or not text:
            problems.add(where, f"{item!r} is not a {kind.what} or a range of them")
            continue
        lo_text, _, hi_text = text.partition(":")
        lo, hi = kind.value_of(lo_text.strip()), kind.value_of((hi_text or lo_text).strip())
        if lo is None or hi is None or not kind.valid(lo) or not kind.valid(hi):
            problems.add(where, f"{item!r} is not a {kind.what} or a range of them")
            continue
        # Days of the month may run from a day to one counted from the end (`1:-1`).
        backwards = (lo < 0 < hi) or ((lo > 0) == (hi > 0) and lo > hi) if kind.signed else lo > hi
        if backwards:
            problems.add(where, f"range {item!r} ends before it starts")
            continue
        result.append((lo, hi))
    return tuple(result)


def _number(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _location(raw: Any, path: str, problems: Problems) -> str:
    if not isinstance(raw, str) or not raw.strip():
        problems.add(path, "must be an IANA time zone name, e.g. Europe/Paris")
        return "UTC"
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        problems.add(path, f"unknown time zone {raw!r} (use an IANA name, e.g. Europe/Paris)")
        return "UTC"
    return raw


def _month(text: str) -> int | None:
    return _MONTHS.get(text) or _number(text)


# The fields of a spec that are lists of ranges, in the order they are read.
_RANGE_KINDS = {
    "weekdays": _RangeKind("weekday (monday … sunday)", _WEEKDAYS.get, lambda d: 0 <= d <= 6),
    "days_of_month": _RangeKind(
        "day of month (1 … 31, or -31 … -1 from the end)",
        _number,
        lambda d: 1 <= abs(d) <= 31,
        signed=True,
    ),
    "months": _RangeKind("month (january … december or 1 … 12)", _month, lambda m: 1 <= m <= 12),
    "years": _RangeKind("year", _number, lambda y: 1 <= y <= 9999),
}


def parse_spec(raw: Any, path: str, problems: Problems) -> TimeSpec | None:
    if not isinstance(raw, dict):
        problems.add(path, "must be a mapping of times, weekdays, days_of_month, months, …")
        return None
    for key in raw:
        if key not in SPEC_KEYS:
            problems.add(at(path, str(key)), f"unknown key (use {', '.join(SPEC_KEYS)})")
    times = _times(raw["times"], at(path, "times"), problems) if "times" in raw else ()
    ranges = {
        name: _ranges(raw.get(name, []), at(path, name), problems, kind)
        for name, kind in _RANGE_KINDS.items()
    }
    location = (
        _location(raw["location"], at(path, "location"), problems) if "location" in raw else "UTC"
    )
    return TimeSpec(times=times, location=location, **ranges)


def parse_time_intervals(raw: Any, path: str, problems: Problems) -> dict[str, TimeInterval]:
    """`[{name, time_intervals: [spec, …]}, …]` → intervals by name."""
    found: dict[str, TimeInterval] = {}
    for i, item in enumerate(_list(raw, path, problems)):
        where = at(path, i)
        if not isinstance(item, dict):
            problems.add(where, "must be a mapping with name and time_intervals")
            continue
        for key in item:
            if key not in ("name", "time_intervals"):
                problems.add(at(where, str(key)), "unknown key (use name, time_intervals)")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.add(at(where, "name"), "every time interval needs a name")
            continue
        if name in found:
            problems.add(at(where, "name"), f"time interval {name!r} is defined twice")
        specs_path = at(where, "time_intervals")
        specs = [
            parse_spec(spec, at(specs_path, j), problems)
            for j, spec in enumerate(_list(item.get("time_intervals", []), specs_path, problems))
        ]
        found[name] = TimeInterval(name, tuple(s for s in specs if s is not None))
    return found
