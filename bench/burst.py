"""A burst of `ai:run` deliveries sent as fast as 16 connections allow, then drained.

Reports acknowledged vs recorded (0 lost), how long until every run's workflow started (no run
left `RECEIVED`, nothing pending dispatch), the peak outbox backlog (deliveries pending
dispatch), the RSS of each API and worker process afterwards, and the CPU seconds each part of
the stack used meanwhile (which one limits the drain).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from typing import Any

import psycopg

from bench import procs
from bench.http_load import Delivery, Target, run_load
from bench.payloads import body_of, headers, issues_labeled
from bench.stack import SECRET, Stack


def _backlog(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM webhook_events WHERE dispatch_status = 'pending'),"
            " (SELECT count(*) FROM runs WHERE status = 'RECEIVED')"
        ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


async def burst(
    stack: Stack,
    *,
    n: int,
    concurrency: int = 16,
    limit: float = 1800,
) -> dict[str, Any]:
    """Send `n` deliveries, then wait up to `limit` seconds from the first for the drain."""
    secret = SECRET.encode()
    first = 2_000_000 + uuid.uuid4().int % 1_000_000
    deliveries = []
    for i in range(n):
        body = body_of(issues_labeled(first + i, "ai:run"))
        deliveries.append(Delivery(body, headers(body, "issues", secret), "ai:run"))
    url = stack.database_url.replace("+psycopg", "")
    with psycopg.connect(url) as conn:
        before = conn.execute("SELECT count(*) FROM webhook_events").fetchone()
    peak = 0
    sending = True

    async def sample() -> None:
        nonlocal peak
        while True:
            pending, _ = await asyncio.to_thread(_backlog, url)
            peak = max(peak, pending)
            if not sending and pending == 0:
                return
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample())
    cpu_before = procs.cpu_seconds(stack)
    began = time.monotonic()
    async with contextlib.AsyncExitStack() as exits:
        target = Target(
            name="burst",
            url=stack.url("api"),
            concurrency=concurrency,
            request_timeout_s=10,
            stack=exits,
        )
        result = await run_load(target, deliveries)
    sent_s = time.monotonic() - began
    sending = False
    drained = False
    dispatched_s: float | None = None
    at_dispatched: dict[str, list[float]] = {}
    while not drained and time.monotonic() - began < limit:
        pending, received = await asyncio.to_thread(_backlog, url)
        if pending == 0 and dispatched_s is None:
            # The API's part is over: every workflow started (the worker may still be busy).
            dispatched_s = time.monotonic() - began
            at_dispatched = procs.rss(stack)
        drained = pending == 0 and received == 0
        if not drained:
            await asyncio.sleep(0.5)
    drained_s = time.monotonic() - began
    cpu_after = procs.cpu_seconds(stack)
    sampler.cancel()
    with psycopg.connect(url) as conn:
        after = conn.execute("SELECT count(*) FROM webhook_events").fetchone()
    recorded = int(after[0]) - int(before[0]) if after and before else -1
    summary = result.summary()
    return {
        "deliveries": n,
        "acknowledged_2xx": summary["ok"],
        "recorded": recorded,
        "lost": int(summary["ok"]) - recorded if recorded >= 0 else None,  # type: ignore[call-overload]
        "send_seconds": round(sent_s, 1),
        "rate": summary["deliveries_per_s"],
        "p99_ms": summary["p99_ms"],
        "drained": drained,
        "drain_seconds": round(drained_s, 1),
        "drain_rate": round(n / drained_s, 1),
        "peak_backlog": peak,
        "all_dispatched_seconds": round(dispatched_s, 1) if dispatched_s is not None else None,
        "api_rss_mb_when_all_dispatched": at_dispatched.get("api_rss_mb"),
        "statuses": summary["statuses"],
        **procs.rss(stack),
        # Busy cores per part while sending and draining (1.0 = one core all the time).
        "cores": {k: round((cpu_after[k] - cpu_before[k]) / drained_s, 2) for k in cpu_after},
    }
