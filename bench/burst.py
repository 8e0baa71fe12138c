"""A burst of `ai:run` deliveries sent as fast as 16 connections allow, then drained.

Reports acknowledged vs recorded (0 lost), how long until every run's workflow started (no run
left `RECEIVED`, nothing pending dispatch), the peak outbox backlog (deliveries pending
dispatch) and the API's and worker's RSS afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from bench.payloads import body_of, headers, issues_labeled
from bench.stack import SECRET, Stack
from bench.webhook_latency import Delivery, Target, run_load


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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
    limit: float = 900,
) -> dict[str, Any]:
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
    while time.monotonic() - began < limit:
        pending, received = await asyncio.to_thread(_backlog, url)
        if pending == 0 and received == 0:
            break
        await asyncio.sleep(0.5)
    drained_s = time.monotonic() - began
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
        "drain_seconds": round(drained_s, 1),
        "peak_backlog": peak,
        "statuses": summary["statuses"],
        "api_rss_mb": round(rss_mb(stack.processes["api"].pid), 1),
        "worker_rss_mb": round(rss_mb(stack.processes["worker0"].pid), 1),
    }
