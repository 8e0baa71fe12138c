"""Simple charts as geometry for inline SVG (drawn by the templates, styled by the stylesheet):
stacked columns of deliveries per minute by outcome, and horizontal bars of counts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

# Outcome groups of a delivery's dispatch status, in stacking order (bottom first).
OUTCOMES = {
    "dispatched": "started",
    "accepted": "started",
    "ignored": "ignored",
    "pending": "pending",
    "failed": "failed",
    "rejected": "rejected",
}
OUTCOME_ORDER = ("started", "ignored", "pending", "failed", "rejected")

WIDTH, HEIGHT = 960, 160  # the bars' area in the per-minute chart's viewBox


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    kind: str  # a CSS class
    title: str  # the tooltip


@dataclass(frozen=True)
class ColumnChart:
    rects: list[Rect]
    peak: int
    total: int
    totals: dict[str, int]
    start: datetime
    end: datetime


def per_minute(
    counts: Iterable[tuple[datetime, str, int]], end: datetime, minutes: int = 60
) -> ColumnChart:
    """A column per minute of the last `minutes` up to `end`, stacked by outcome."""
    end_minute = end.replace(tzinfo=None, second=0, microsecond=0)
    start = end_minute - timedelta(minutes=minutes - 1)
    grid: dict[int, dict[str, int]] = {}
    totals = dict.fromkeys(OUTCOME_ORDER, 0)
    for at, status, n in counts:
        index = int((at.replace(tzinfo=None) - start).total_seconds() // 60)
        if not 0 <= index < minutes:
            continue
        outcome = OUTCOMES.get(status, "rejected")
        grid.setdefault(index, {})[outcome] = grid.get(index, {}).get(outcome, 0) + n
        totals[outcome] += n
    peak = max((sum(c.values()) for c in grid.values()), default=0)
    step = WIDTH / minutes
    rects = []
    for index, column in sorted(grid.items()):
        y = float(HEIGHT)
        minute = (start + timedelta(minutes=index)).strftime("%H:%M")
        for outcome in OUTCOME_ORDER:
            n = column.get(outcome, 0)
            if not n:
                continue
            height = HEIGHT * n / peak
            y -= height
            rects.append(
                Rect(index * step + 1, y, step - 2, height, outcome, f"{minute} {outcome}: {n}")
            )
    return ColumnChart(rects, peak, sum(totals.values()), totals, start, end_minute)


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    width: float  # percent of the widest bar
    kind: str


def bars(counts: Mapping[str, int], order: Iterable[str] = ()) -> list[Bar]:
    """A bar per label (in `order` first, then the rest by name), as wide as its share of the
    largest count."""
    ordered = [k for k in order if k in counts] + sorted(k for k in counts if k not in order)
    peak = max(counts.values(), default=0)
    return [
        Bar(k, counts[k], 100.0 * counts[k] / peak if peak else 0.0, k.lower()) for k in ordered
    ]
