"""Table tests of the redelivery choice over GitHub's delivery log (activities/redelivery.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from activities.redelivery import (
    SKIP_NOT_ROUTED,
    SKIP_RECORDED,
    SKIP_SUCCEEDED,
    HookDelivery,
    select_redeliveries,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(hours=24)
ROUTED = frozenset({"issues", "workflow_run", "push"})


def attempt(
    id: int, guid: str, status: int, hours_ago: float, event: str = "issues"
) -> HookDelivery:
    return HookDelivery(
        id=id,
        guid=guid,
        event=event,
        action="opened",
        status_code=status,
        delivered_at=NOW - timedelta(hours=hours_ago),
    )


CASES = [
    ("one failed attempt is redelivered", [attempt(1, "a", 503, 1)], set(), [1], {}),
    ("a timeout (status 0) counts as failed", [attempt(1, "a", 0, 1)], set(), [1], {}),
    (
        "a guid with any successful attempt is skipped",
        [attempt(2, "a", 200, 0.5), attempt(1, "a", 503, 1)],
        set(),
        [],
        {SKIP_SUCCEEDED: 1},
    ),
    (
        "several failed attempts ask once, for the newest",
        [attempt(3, "a", 502, 0.2), attempt(2, "a", 503, 0.5), attempt(1, "a", 0, 1)],
        set(),
        [3],
        {},
    ),
    (
        "a guid hookflow recorded is skipped",
        [attempt(1, "a", 503, 1)],
        {"a"},
        [],
        {SKIP_RECORDED: 1},
    ),
    (
        "an event hookflow does not route is skipped",
        [attempt(1, "a", 503, 1, event="star")],
        set(),
        [],
        {SKIP_NOT_ROUTED: 1},
    ),
    ("attempts before the window are ignored", [attempt(1, "a", 503, 25)], set(), [], {}),
    (
        "a success before the window does not hide a failure inside it",
        [attempt(2, "a", 503, 1), attempt(1, "a", 200, 30)],
        set(),
        [2],
        {},
    ),
    (
        "several guids come out oldest first",
        [attempt(3, "c", 503, 0.1), attempt(2, "b", 200, 0.2), attempt(1, "a", 503, 2)],
        set(),
        [1, 3],
        {SKIP_SUCCEEDED: 1},
    ),
    ("a 4xx answer counts as failed", [attempt(1, "a", 401, 3, event="push")], set(), [1], {}),
]


@pytest.mark.parametrize(
    ("attempts", "recorded", "asked", "skipped"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_select_redeliveries_cases(
    attempts: list[HookDelivery], recorded: set[str], asked: list[int], skipped: dict[str, int]
) -> None:
    plan = select_redeliveries(attempts, since=SINCE, recorded_guids=recorded, routed_events=ROUTED)
    assert [a.id for a in plan.redeliver] == asked
    assert plan.skipped == skipped
    assert plan.guids == len({a.guid for a in attempts if a.delivered_at >= SINCE})


def test_from_api_reads_github_shape_and_refuses_malformed_rows() -> None:
    row = {
        "id": 12345678,
        "guid": "0b989ba4-242f-11e5-81e1-c7b6966d2516",
        "delivered_at": "2019-06-03T00:57:16Z",
        "redelivery": False,
        "duration": 0.27,
        "status": "OK",
        "status_code": 200,
        "event": "issues",
        "action": "opened",
        "installation_id": 123,
        "repository_id": 456,
    }
    parsed = HookDelivery.from_api(row)
    assert parsed is not None and parsed.succeeded and parsed.id == 12345678
    assert parsed.delivered_at == datetime(2019, 6, 3, 0, 57, 16, tzinfo=UTC)
    assert HookDelivery.from_api({"id": "x", "guid": "g", "delivered_at": "now"}) is None
    assert HookDelivery.from_api({"guid": "g"}) is None
