"""How many unsigned deliveries per source address are recorded each minute (the rest counted).

Unsigned requests cost nothing to send; without a cap anyone could fill webhook_events.
The cap is per process: with N API replicas up to N × the limit are recorded.
"""

from __future__ import annotations

import time
from collections import OrderedDict

WINDOW_SECONDS = 60.0
MAX_ADDRESSES = 10_000  # forget the least recently seen beyond this (bounded memory)


class RejectedCap:
    """A fixed one-minute window per address: at most `per_minute` recorded in each."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._windows: OrderedDict[str, tuple[float, int]] = OrderedDict()

    def allow(self, address: str, now: float | None = None) -> bool:
        """True when this rejection should be recorded; counts it either way."""
        when = time.monotonic() if now is None else now
        start, count = self._windows.pop(address, (when, 0))
        if when - start >= WINDOW_SECONDS:
            start, count = when, 0
        count += 1
        self._windows[address] = (start, count)
        while len(self._windows) > MAX_ADDRESSES:
            self._windows.popitem(last=False)
        return count <= self.per_minute
