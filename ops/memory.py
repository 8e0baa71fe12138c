"""Keep a long-running process's resident memory near what it uses (glibc only; elsewhere these
do nothing): fewer malloc arenas, and freed heap handed back to the system after a burst.

Python frees objects to malloc, but glibc keeps the pages (one arena per thread that allocated:
the event loop, the log writer, the Temporal client's runtime threads), so a process's RSS after
a burst of 10,000 deliveries stays at its peak unless the free pages are trimmed.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import os
from pathlib import Path

log = logging.getLogger("hookflow.memory")

_M_ARENA_MAX = -8  # mallopt parameter (malloc.h)
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


_LIBC = _libc()


def limit_arenas(arenas: int = 2) -> bool:
    """At start-up, before threads: at most `arenas` malloc arenas for the whole process."""
    return _LIBC is not None and bool(_LIBC.mallopt(_M_ARENA_MAX, arenas))


def trim() -> bool:
    """Hand free heap pages back to the system."""
    return _LIBC is not None and bool(_LIBC.malloc_trim(0))


def rss_bytes() -> int:
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


async def trim_after_growth(*, every: float = 30.0, growth: int = 16 << 20) -> None:
    """Every `every` seconds, trim when RSS grew by `growth` bytes since the last trim (a
    burst's peak is given back once it is over; a steady process is left alone)."""
    if _LIBC is None:
        return
    baseline = rss_bytes()
    while True:
        await asyncio.sleep(every)
        now = rss_bytes()
        if now - baseline < growth:
            continue
        trim()
        baseline = rss_bytes()
        log.debug("heap trimmed: RSS %d MB -> %d MB", now >> 20, baseline >> 20)
