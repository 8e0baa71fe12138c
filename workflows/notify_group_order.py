"""The order of CI events by the CI run itself (GitHub does not deliver them in order). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# (run_number, run_attempt, updated_at): a later run, a later attempt of the same run, or a
# later update of the same attempt is newer. ISO-8601 UTC strings compare in time order.
CIOrder = tuple[int, int, str]


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def ci_order(notification: Mapping[str, Any]) -> CIOrder:
    """Where a ci_failure / ci_success notification stands in its CI run's own history."""
    summary = notification.get("payload_summary")
    summary = summary if isinstance(summary, Mapping) else {}
    when = notification.get("occurred_at")
    return (
        _int(summary.get("run_number")),
        _int(summary.get("run_attempt")),
        when if isinstance(when, str) else "",
    )


def is_stale(
    order: CIOrder, *, success: bool, newest_failure: CIOrder | None, newest_success: CIOrder | None
) -> bool:
    """An event older than the newest event of the opposite outcome decides nothing.

    An old success arriving after a newer failure does not turn the group green, and an old
    failure arriving after a newer success does not turn it red again.
    """
    opposite = newest_failure if success else newest_success
    return opposite is not None and order < tuple(opposite)


def stored_order(stored: list[Any] | None) -> CIOrder | None:
    """A CIOrder kept in workflow input (JSON turns the tuple into a list), or None."""
    return (stored[0], stored[1], stored[2]) if stored else None


def newest(stored: list[Any] | None, order: CIOrder) -> list[Any]:
    """The newer of a kept order and `order`, in the list form workflow input keeps."""
    return list(order) if stored is None or order > tuple(stored) else stored
