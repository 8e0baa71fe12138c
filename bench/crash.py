"""Durability under a crash: SIGKILL the API while 16 connections load it, then check that
every delivery the client saw a 2xx for has its row."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import psycopg

from bench.payloads import body_of, headers, issues_labeled
from bench.stack import SECRET, Stack


async def crash(
    stack: Stack,
    *,
    seconds_before_kill: float = 2.0,
    connections: int = 16,
) -> dict[str, Any]:
    secret = SECRET.encode()
    body = body_of(issues_labeled(1, "bug"))
    acknowledged: list[str] = []
    failed = 0
    stop_at = time.monotonic() + seconds_before_kill + 1.0

    async def sender(worker: int) -> None:
        nonlocal failed
        async with httpx.AsyncClient(timeout=5, trust_env=False) as client:
            n = 0
            while time.monotonic() < stop_at:
                n += 1
                delivery = f"crash-{worker}-{n}-{time.monotonic_ns()}"
                try:
                    response = await client.post(
                        stack.url("api"),
                        content=body,
                        headers=headers(body, "issues", secret, delivery=delivery),
                    )
                except httpx.HTTPError:
                    failed += 1
                    await asyncio.sleep(0.05)
                    continue
                if 200 <= response.status_code < 300:
                    acknowledged.append(delivery)
                else:
                    failed += 1

    async def killer() -> None:
        await asyncio.sleep(seconds_before_kill)
        stack.processes["api"].kill()  # SIGKILL: no shutdown, batches in flight are cut off

    await asyncio.gather(killer(), *(sender(i) for i in range(connections)))
    with psycopg.connect(stack.database_url.replace("+psycopg", "")) as conn:
        rows = {
            r[0]
            for r in conn.execute(
                "SELECT delivery_id FROM webhook_events WHERE delivery_id LIKE 'crash-%'"
            )
        }
    missing = [d for d in acknowledged if d not in rows]
    return {
        "acknowledged_2xx": len(acknowledged),
        "failed_or_refused": failed,
        "rows": len(rows),
        "acknowledged_without_row": len(missing),
    }
