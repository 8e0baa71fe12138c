"""Time intervals, table-driven: weekday and day ranges, overnight ranges, time zones, and the
daylight-saving changes of Europe/Paris (2026-03-29 02:00 → 03:00, 2026-10-25 03:00 → 02:00)
and America/New_York (2026-03-08)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from notify.intervals import TimeInterval, interval_contains, next_change, route_mute
from notify.intervals_parse import parse_time_intervals
from notify.problems import Problems


def interval(**spec: Any) -> TimeInterval:
    problems = Problems()
    found = parse_time_intervals([{"name": "i", "time_intervals": [spec]}], "t", problems)
    assert not problems, problems.items
    return found["i"]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


NIGHTS = {
    "times": [{"start_time": "22:00", "end_time": "07:00"}],
    "weekdays": ["monday:friday"],
    "location": "Europe/Paris",
}
OFFICE_NY = {
    "times": [{"start_time": "09:00", "end_time": "17:00"}],
    "weekdays": ["monday:friday"],
    "location": "America/New_York",
}

# 2026-03-02 is a Monday.
CONTAINS = [
    ({"weekdays": ["monday:friday"]}, "2026-03-06T23:59", True, "friday-in-weekday-range"),
    ({"weekdays": ["monday:friday"]}, "2026-03-07T00:00", False, "saturday-outside"),
    ({"weekdays": ["saturday", "sunday"]}, "2026-03-08T12:00", True, "weekday-list"),
    ({"weekdays": ["Friday:Monday"]}, "2026-03-04T12:00", None, "range-backwards-is-an-error"),
    (
        {"times": [{"start_time": "09:00", "end_time": "17:00"}]},
        "2026-03-02T17:00",
        False,
        "end-time-is-exclusive",
    ),
    (
        {"times": [{"start_time": "09:00", "end_time": "17:00"}]},
        "2026-03-02T09:00",
        True,
        "start-time-is-inclusive",
    ),
    (
        {"times": [{"start_time": "20:00", "end_time": "24:00"}]},
        "2026-03-02T23:59",
        True,
        "range-up-to-24:00",
    ),
    ({"days_of_month": ["-1"]}, "2026-02-28T10:00", True, "last-day-of-february"),
    ({"days_of_month": ["-1"]}, "2026-03-30T10:00", False, "not-the-last-day-of-march"),
    ({"days_of_month": ["1:7"], "weekdays": ["monday"]}, "2026-03-02T10:00", True, "first-monday"),
    (
        {"days_of_month": ["1:7"], "weekdays": ["monday"]},
        "2026-03-09T10:00",
        False,
        "second-monday",
    ),
    ({"months": ["december:february"]}, "2026-03-01T00:00", None, "month-range-backwards-error"),
    ({"months": ["june:august", "12"]}, "2026-12-24T00:00", True, "month-names-and-numbers"),
    ({"years": ["2025:2026"]}, "2027-01-01T00:00", False, "after-the-year-range"),
]


# The named intervals at instants about their edges: [(instant in UTC, inside, id)].
AROUND_NAMED = [
    (  # Nights of Monday to Friday, in Paris.
        NIGHTS,
        [
            # Paris is UTC+1 in winter.
            ("2026-03-02T21:00", True, "overnight-start-is-22-paris-21-utc"),
            ("2026-03-02T20:59", False, "overnight-before-start"),
            ("2026-03-03T05:59", True, "overnight-after-midnight-belongs-to-monday"),
            ("2026-03-03T06:00", False, "overnight-ends-at-7-paris"),
            ("2026-03-07T05:00", True, "friday-night-runs-into-saturday-morning"),
            ("2026-03-07T22:00", False, "saturday-night-is-not-a-weekday-night"),
            ("2026-03-02T05:00", False, "monday-morning-belongs-to-sunday-night"),
            # Summer time: Paris is UTC+2, so 22:00 is 20:00 UTC.
            ("2026-07-06T20:00", True, "summer-night-starts-at-20-utc"),
            ("2026-07-06T19:59", False, "summer-before-start"),
        ],
    ),
    (  # New York office hours: UTC-5 before 2026-03-08, UTC-4 after.
        OFFICE_NY,
        [
            ("2026-03-06T14:00", True, "ny-winter-9am-is-14-utc"),
            ("2026-03-09T13:00", True, "ny-summer-9am-is-13-utc"),
            ("2026-03-09T21:00", False, "ny-summer-5pm-is-21-utc"),
        ],
    ),
]
CONTAINS += [(spec, *case) for spec, cases in AROUND_NAMED for case in cases]


@pytest.mark.parametrize(
    ("spec", "at", "inside"), [pytest.param(c[0], c[1], c[2], id=c[3]) for c in CONTAINS]
)
def test_interval_contains(spec: dict[str, Any], at: str, inside: bool | None) -> None:
    if inside is None:
        problems = Problems()
        parse_time_intervals([{"name": "i", "time_intervals": [spec]}], "t", problems)
        assert problems and "ends before it starts" in problems.items[0]
        return
    assert interval_contains(interval(**spec), utc(at)) is inside


NEXT = [
    (NIGHTS, "2026-03-02T12:00", "2026-03-02T21:00", "winter-night-starts"),
    (NIGHTS, "2026-03-02T23:00", "2026-03-03T06:00", "winter-night-ends"),
    (NIGHTS, "2026-03-06T23:00", "2026-03-07T06:00", "friday-night-ends-saturday-morning"),
    (NIGHTS, "2026-03-07T06:00", "2026-03-09T21:00", "weekend-skipped-to-monday-night"),
    # The night of Friday 2026-03-27: Paris springs forward at 02:00 on Sunday the 29th, but
    # Friday's night ends Saturday 07:00 CET; Monday 30th's night starts 22:00 CEST = 20:00 UTC.
    (NIGHTS, "2026-03-28T12:00", "2026-03-30T20:00", "next-night-after-the-spring-change"),
    # Thursday 2026-10-22 night in summer time ends 07:00 CEST = 05:00 UTC.
    (NIGHTS, "2026-10-22T23:00", "2026-10-23T05:00", "summer-night-ends-at-5-utc"),
    # After the autumn change (Sunday 2026-10-25) Monday night ends 07:00 CET = 06:00 UTC.
    (NIGHTS, "2026-10-26T23:00", "2026-10-27T06:00", "winter-again-ends-at-6-utc"),
]


@pytest.mark.parametrize(
    ("spec", "at", "expected"), [pytest.param(c[0], c[1], c[2], id=c[3]) for c in NEXT]
)
def test_next_change(spec: dict[str, Any], at: str, expected: str) -> None:
    assert next_change([interval(**spec)], utc(at)) == utc(expected)


def test_daily_night_across_the_spring_change_is_one_hour_shorter() -> None:
    daily = interval(times=[{"start_time": "22:00", "end_time": "07:00"}], location="Europe/Paris")
    start = utc("2026-03-28T21:00")  # Saturday 22:00 CET
    assert interval_contains(daily, start)
    end = next_change([daily], start)
    assert end == utc("2026-03-29T05:00")  # Sunday 07:00 CEST
    assert (end - start).total_seconds() == 8 * 3600


def test_wall_time_in_the_skipped_hour_starts_at_the_first_real_instant() -> None:
    at_230 = interval(times=[{"start_time": "02:30", "end_time": "04:00"}], location="Europe/Paris")
    # 02:30 does not exist on 2026-03-29 in Paris; the clock jumps from 02:00 CET to 03:00 CEST.
    start = next_change([at_230], utc("2026-03-28T12:00"))
    assert start == utc("2026-03-29T01:00")  # 03:00 CEST, inside 02:30-04:00 at once
    assert interval_contains(at_230, utc("2026-03-29T01:30"))  # 03:30 CEST


def test_route_mute_names_the_interval_and_its_end() -> None:
    nights = TimeInterval("nights", interval(**NIGHTS).specs)
    muted = route_mute([nights], [], utc("2026-03-02T23:00"))
    assert muted is not None and muted.interval == "nights"
    assert muted.until == utc("2026-03-03T06:00")
    assert route_mute([nights], [], utc("2026-03-02T12:00")) is None


def test_route_outside_its_active_intervals_is_muted_until_they_begin() -> None:
    office = TimeInterval("office", interval(**OFFICE_NY).specs)
    muted = route_mute([], [office], utc("2026-03-07T12:00"))  # Saturday
    assert muted is not None and muted.interval == "outside office"
    assert muted.until == utc("2026-03-09T13:00")  # Monday 09:00 EDT
    assert route_mute([], [office], utc("2026-03-09T13:30")) is None


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"times": [{"start_time": "25:00", "end_time": "07:00"}]}, "not a time of day"),
        ({"times": [{"start_time": "07:00", "end_time": "07:00"}]}, "must differ"),
        ({"times": [{"start_time": "07:00"}]}, "exactly start_time and end_time"),
        ({"weekdays": ["funday"]}, "not a weekday"),
        ({"days_of_month": ["0"]}, "not a day of month"),
        ({"location": "Mars/Olympus"}, "unknown time zone"),
        ({"hours": ["1"]}, "unknown key"),
    ],
)
def test_bad_interval_specs_are_reported_with_their_path(
    spec: dict[str, Any], message: str
) -> None:
    problems = Problems()
    parse_time_intervals([{"name": "i", "time_intervals": [spec]}], "time_intervals", problems)
    assert len(problems) == 1 and problems.items[0].startswith(
        "time_intervals[0].time_intervals[0]."
    )
    assert message in problems.items[0]
