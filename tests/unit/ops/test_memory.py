"""Heap trimming after a burst: only when the process grew, and harmless where glibc is not."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from ops import memory


def test_rss_and_trim_work_on_this_system() -> None:
    assert memory.rss_bytes() > 0
    assert isinstance(memory.trim(), bool)
    assert isinstance(memory.limit_arenas(), bool)


async def test_trims_only_after_growth(monkeypatch: pytest.MonkeyPatch) -> None:
    mb = 1 << 20
    readings: Iterator[int] = iter([100 * mb, 105 * mb, 140 * mb, 90 * mb, 95 * mb])
    trims: list[bool] = []

    def fake_trim() -> bool:
        trims.append(True)
        return True

    monkeypatch.setattr(memory, "rss_bytes", lambda: next(readings))
    monkeypatch.setattr(memory, "trim", fake_trim)
    task = asyncio.create_task(memory.trim_after_growth(every=0.01, growth=16 * mb))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises((asyncio.CancelledError, StopIteration, RuntimeError)):
        await task
    # 100 → 105 (no), → 140 (trim, then 90 is the new baseline), → 95 (no)
    assert trims == [True]
