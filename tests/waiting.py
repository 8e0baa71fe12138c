"""Poll until a condition holds (tests wait on workflows, never sleep a fixed time)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any


async def eventually(check: Callable[[], Any], within: float = 30, what: str = "") -> Any:
    """Return the first truthy value of `check()` (sync or async), or fail after `within` s."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.1)
