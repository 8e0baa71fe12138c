"""HTTP agent backend: POST the phase JSON to RUN_AGENT_URL and take its (bounded) JSON reply."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.process import OUTPUT_LIMIT, heartbeat_interval, truncated_marker


async def _post(
    url: str, body: dict[str, Any], time_limit: float, limit: int
) -> tuple[int, bytes, int]:
    """Returns (status, the first `limit` bytes of the reply, bytes dropped)."""
    timeout = httpx.Timeout(time_limit, connect=min(30.0, time_limit))
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        async with client.stream("POST", url, json=body) as response:
            kept, dropped = bytearray(), 0
            async for chunk in response.aiter_bytes():
                room = limit - len(kept)
                kept += chunk[:room]
                dropped += max(0, len(chunk) - room)
            return response.status_code, bytes(kept), dropped


async def post_phase(
    url: str,
    body: dict[str, Any],
    *,
    time_limit: float,
    limit: int = OUTPUT_LIMIT,
) -> tuple[Any, str, bool]:
    """POST one phase; returns (artifact, kind, truncated). 5xx, 429 and transport errors are
    retryable; other 4xx are not (the request itself is wrong)."""
    task = asyncio.ensure_future(_post(url, body, time_limit, limit))
    beat = heartbeat_interval()
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=beat)
            if done:
                break
            with contextlib.suppress(RuntimeError):
                activity.heartbeat(f"waiting for agent at {url}")
        status, content, dropped = task.result()
    except httpx.HTTPError as exc:
        raise ApplicationError(f"agent at {url} unreachable: {exc!r}", type="AgentHTTP") from None
    finally:
        if not task.done():  # cancelled while waiting: abandon the request
            task.cancel()
    text = content.decode("utf-8", errors="replace")
    if status >= 500 or status == 429:
        raise ApplicationError(f"agent at {url} answered {status}: {text[:2000]}", type="AgentHTTP")
    if status >= 300:
        raise ApplicationError(
            f"agent at {url} refused the request ({status}): {text[:2000]}",
            type="AgentHTTP",
            non_retryable=True,
        )
    if dropped:
        return text + truncated_marker(dropped), "text", True
    try:
        return json.loads(text), "json", False
    except ValueError:
        return text, "text", False
