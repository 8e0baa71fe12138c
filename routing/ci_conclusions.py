"""Which CI conclusions count as failed and which as passing (workflow runs, jobs, suites)."""

from __future__ import annotations

# A run or job that ended in one of these failed; others (cancelled, skipped, …) are not news.
FAILED_CONCLUSIONS = ("failure", "timed_out", "startup_failure")
# A check suite in one of these passed; any other completed conclusion fails a run's CI.
PASSING_CONCLUSIONS = ("success", "neutral", "skipped")
