"""The retention schedule's spec from the settings: durations, cron, and off meaning no schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import ScheduleIntervalSpec

from schedules.retention import schedule_spec


@pytest.mark.parametrize(
    ("text", "cron", "every"),
    [
        ("1d", None, timedelta(days=1)),
        ("6h", None, timedelta(hours=6)),
        ("0 3 * * *", "0 3 * * *", None),
    ],
)
def test_schedule_spec_reads_durations_and_cron(
    text: str, cron: str | None, every: timedelta | None
) -> None:
    spec = schedule_spec(text)
    assert spec is not None
    assert spec.cron_expressions == ([cron] if cron else [])
    assert spec.intervals == ([ScheduleIntervalSpec(every=every)] if every else [])


def test_schedule_spec_off_means_no_schedule() -> None:
    assert schedule_spec("off") is None
