"""Alertmanager's time intervals (`times`, `weekdays`, `days_of_month`, `months`, `years`,
`location`): whether an instant falls inside one, and when that next changes. Pure.

Each spec is evaluated on the wall clock of its `location` (IANA name, default UTC), so
daylight-saving changes come from the time-zone database. Beyond Alertmanager, a time range may
run overnight (`22:00`–`07:00`): it belongs to the day it starts on, so with `weekdays:
[monday:friday]` Friday 22:00 to Saturday 07:00 is inside and Sunday 22:00 is not.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Range = tuple[int, int]  # inclusive bounds

# Transitions are searched for this far ahead; an interval that does not change within it is
# treated as never changing (`None`).
HORIZON_DAYS = 400


@dataclass(frozen=True)
class TimeRange:
    """Minutes since midnight; `end` is exclusive and may be 1440 (24:00). `start > end` runs
    overnight into the next day."""

    start: int
    end: int

    @property
    def overnight(self) -> bool:
        return self.start > self.end


@dataclass(frozen=True)
class TimeSpec:
    """One entry of an interval's `time_intervals`: every field given must match."""

    times: tuple[TimeRange, ...] = ()
    weekdays: tuple[Range, ...] = ()  # 0 = Monday … 6 = Sunday
    days_of_month: tuple[Range, ...] = ()  # 1…31, or -31…-1 counted from the month's end
    months: tuple[Range, ...] = ()  # 1…12
    years: tuple[Range, ...] = ()
    location: str = "UTC"

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.location)


@dataclass(frozen=True)
class TimeInterval:
    name: str
    specs: tuple[TimeSpec, ...]


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _in(ranges: Sequence[Range], value: int) -> bool:
    return not ranges or any(lo <= value <= hi for lo, hi in ranges)


def _day_of_month_in(ranges: Sequence[Range], day: date) -> bool:
    if not ranges:
        return True
    last = calendar.monthrange(day.year, day.month)[1]
    for lo, hi in ranges:
        # Negative days count from the month's end (-1 is the last day).
        lo_day = lo if lo > 0 else last + lo + 1
        hi_day = hi if hi > 0 else last + hi + 1
        if lo_day <= day.day <= min(hi_day, last):
            return True
    return False


def _date_matches(spec: TimeSpec, day: date) -> bool:
    return (
        _in(spec.weekdays, day.weekday())
        and _day_of_month_in(spec.days_of_month, day)
        and _in(spec.months, day.month)
        and _in(spec.years, day.year)
    )


def spec_contains(spec: TimeSpec, instant: datetime) -> bool:
    """Whether `instant` (aware) falls inside `spec`, read on the spec's wall clock."""
    local = instant.astimezone(spec.zone)
    day, minute = local.date(), local.hour * 60 + local.minute
    if not spec.times:
        return _date_matches(spec, day)
    for r in spec.times:
        if r.overnight:
            if minute >= r.start and _date_matches(spec, day):
                return True
            if minute < r.end and _date_matches(spec, day - timedelta(days=1)):
                return True
        elif r.start <= minute < r.end and _date_matches(spec, day):
            return True
    return False


def interval_contains(interval: TimeInterval, instant: datetime) -> bool:
    return any(spec_contains(spec, instant) for spec in interval.specs)


def _local_instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    if minute >= 1440:
        day, minute = day + timedelta(days=1), minute - 1440
    wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    # A wall time skipped by a spring-forward change does not exist; the round trip through
    # UTC lands on the first real instant after it.
    return wall.astimezone(UTC).astimezone(zone)


def _offset_change(zone: ZoneInfo, day: date) -> datetime | None:
    """The instant (to the minute) the zone's UTC offset changes during `day`, if it does: a
    wall time in a skipped hour starts counting from there."""
    lo = _local_instant(day, 0, zone).astimezone(UTC)
    hi = _local_instant(day, 1440, zone).astimezone(UTC)
    if lo.astimezone(zone).utcoffset() == hi.astimezone(zone).utcoffset():
        return None
    before = lo.astimezone(zone).utcoffset()
    while hi - lo > timedelta(minutes=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return hi.replace(second=0, microsecond=0)


def _first_day(spec: TimeSpec, after: datetime) -> date:
    return after.astimezone(spec.zone).date() - timedelta(days=1)


def _candidates(spec: TimeSpec, after: datetime, days: range) -> list[datetime]:
    """The instants of these days (counted from the day before `after`, on the spec's wall
    clock) at which `spec` may start or stop containing time: local midnights, the bounds of
    its time ranges and the zone's offset changes."""
    zone = spec.zone
    first = _first_day(spec, after)
    minutes = sorted({0, *(r.start for r in spec.times), *(r.end for r in spec.times)})
    found = []
    for offset in days:
        day = first + timedelta(days=offset)
        instants = [_local_instant(day, minute, zone) for minute in minutes]
        change = _offset_change(zone, day) if spec.times else None
        for instant in [*instants, *([change] if change else [])]:
            if instant > after:
                found.append(instant.astimezone(UTC))
    return found


_WEEK = 7


def next_change(intervals: Sequence[TimeInterval], now: datetime) -> datetime | None:
    """The first instant after `now` at which "inside any of `intervals`" flips, or None when
    it does not flip within HORIZON_DAYS. Candidates are looked at a week at a time, in time
    order across the specs' zones."""
    inside = any(interval_contains(i, now) for i in intervals)
    specs = [spec for i in intervals for spec in i.specs]
    waiting: set[datetime] = set()
    for start in range(0, HORIZON_DAYS + 2, _WEEK):
        days = range(start, start + _WEEK)
        for spec in specs:
            waiting.update(_candidates(spec, now, days))
        # Every later candidate comes at or after the earliest next-week midnight of a spec.
        bound = min(
            (
                _local_instant(_first_day(s, now) + timedelta(days=start + _WEEK), 0, s.zone)
                for s in specs
            ),
            default=None,
        )
        ready = sorted(c for c in waiting if bound is None or c < bound)
        waiting.difference_update(ready)
        for candidate in ready:
            if any(interval_contains(i, candidate) for i in intervals) != inside:
                return candidate
    return None


@dataclass(frozen=True)
class MuteState:
    """Why a route is quiet at an instant, and until when (None: no end within the horizon)."""

    interval: str  # the mute interval's name, or "outside <active names>"
    until: datetime | None


def route_mute(
    mute: Sequence[TimeInterval], active: Sequence[TimeInterval], now: datetime
) -> MuteState | None:
    """None when a route with these mute / active time intervals sends at `now`; else why not.

    Muted while inside any mute interval, or (when it has active intervals) while outside all
    of them; mute intervals are checked first, as in Alertmanager.
    """
    for interval in mute:
        if interval_contains(interval, now):
            return MuteState(interval.name, next_change([interval], now))
    if active and not any(interval_contains(i, now) for i in active):
        names = ", ".join(i.name for i in active)
        return MuteState(f"outside {names}", next_change(active, now))
    return None
