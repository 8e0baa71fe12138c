"""A worker interceptor that heartbeats every running activity that has a heartbeat timeout, so
a dead worker's activity is retried after that timeout instead of its whole start-to-close."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

MAX_BEAT_SECONDS = 2.0


async def _beat(every: float) -> None:
    while True:
        await asyncio.sleep(every)
        activity.heartbeat()


class _Inbound(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        timeout = info.heartbeat_timeout
        if not timeout or info.is_local or not asyncio.iscoroutinefunction(input.fn):
            return await super().execute_activity(input)
        beats = asyncio.ensure_future(_beat(min(MAX_BEAT_SECONDS, timeout.total_seconds() / 3)))
        try:
            return await super().execute_activity(input)
        finally:
            beats.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beats


class AutoHeartbeat(Interceptor):
    """Heartbeats prove the worker is alive, not that the work progresses: start-to-close
    timeouts still bound a hung activity."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Inbound(next)
