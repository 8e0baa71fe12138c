"""CI event order: run number, attempt, then update time decide which event is newer."""

from __future__ import annotations

from typing import Any

import pytest

from workflows.notify_group_order import CIOrder, ci_order, is_stale, newest, stored_order


def note(
    run: int | None,
    attempt: int | None = 1,
    at: str | None = "2026-01-01T10:00:00Z",
) -> dict[str, Any]:
    return {"payload_summary": {"run_number": run, "run_attempt": attempt}, "occurred_at": at}


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        (note(9), note(10)),
        (note(10, 1), note(10, 2)),
        (note(10, 2, "2026-01-01T10:00:00Z"), note(10, 2, "2026-01-01T10:05:00Z")),
        (note(9, 3, "2026-02-01T00:00:00Z"), note(10, 1, "2026-01-01T00:00:00Z")),
        (note(None, None, None), note(1)),
    ],
)
def test_ci_order_puts_later_runs_attempts_and_updates_after(
    older: dict[str, Any], newer: dict[str, Any]
) -> None:
    assert ci_order(older) < ci_order(newer)


def test_ci_order_tolerates_missing_or_odd_fields() -> None:
    assert ci_order({}) == (0, 0, "")
    assert ci_order({"payload_summary": "x", "occurred_at": 5}) == (0, 0, "")
    assert ci_order({"payload_summary": {"run_number": True, "run_attempt": "2"}}) == (0, 0, "")


OLD: CIOrder = (9, 1, "")
NEW: CIOrder = (10, 1, "")


@pytest.mark.parametrize(
    ("order", "success", "failure_seen", "success_seen", "stale"),
    [
        (OLD, True, NEW, None, True),  # old success after a newer failure: stays red
        (NEW, True, OLD, None, False),  # newer success: resolves
        (OLD, False, None, NEW, True),  # old failure after a newer success: stays green
        (NEW, False, None, OLD, False),  # newer failure: red
        (OLD, False, NEW, None, False),  # an older failure among failures still counts
        (OLD, True, None, None, False),  # nothing seen yet
        (NEW, True, NEW, None, False),  # same run: not older
    ],
)
def test_is_stale_compares_with_newest_event_of_opposite_outcome(
    order: CIOrder,
    success: bool,
    failure_seen: CIOrder | None,
    success_seen: CIOrder | None,
    stale: bool,
) -> None:
    assert (
        is_stale(order, success=success, newest_failure=failure_seen, newest_success=success_seen)
        is stale
    )


@pytest.mark.parametrize(
    ("stored", "order", "kept"),
    [
        (None, (3, 1, "t"), [3, 1, "t"]),
        ([3, 1, "t"], (4, 1, "a"), [4, 1, "a"]),
        ([3, 2, "t"], (3, 1, "z"), [3, 2, "t"]),
    ],
)
def test_newest_keeps_the_later_order_in_list_form(
    stored: list[Any] | None, order: CIOrder, kept: list[Any]
) -> None:
    assert newest(stored, order) == kept
    assert stored_order(kept) == tuple(kept)


def test_stored_order_of_nothing_is_none() -> None:
    assert stored_order(None) is None and stored_order([]) is None
