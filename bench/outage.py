"""Catch-up after a Temporal outage: `python -m bench.outage` (also `bench.suite --outage`).

Temporal (a dev server whose state is a file, so it survives the restart) is stopped; N
deliveries (a push to a watched branch: one NotificationWorkflow each, as in
tests/faults/test_temporal_down.py) arrive while it is down; after `--down` seconds it starts
again, and the bench reports how long until every delivery's workflow was started (nothing
pending dispatch), with the worker running as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import sys
import time
import uuid
from typing import Any

import psycopg

from bench import pinning
from bench.http_load import Delivery, Target, run_load
from bench.payloads import body_of, fixture, headers
from bench.stack import SECRET, Stack


def _push(index: int, tag: str) -> bytes:
    payload: dict[str, Any] = copy.deepcopy(fixture("push.main.json"))
    payload["after"] = f"{index:08x}{tag}".ljust(40, "0")[:40]
    return body_of(payload)


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT dispatch_status, count(*) FROM webhook_events GROUP BY dispatch_status"
        ).fetchall()
    return {str(status): int(n) for status, n in rows}


async def outage(stack: Stack, *, deliveries: int = 1000, down: float = 60.0) -> dict[str, Any]:
    """Stop Temporal, send `deliveries` over the first `down - 10` s, start it after `down` s,
    and time the catch-up."""
    assert stack.restartable is not None, "the stack needs restartable_temporal=True"
    url = stack.database_url.replace("+psycopg", "")
    secret = SECRET.encode()
    tag = uuid.uuid4().hex[:8]
    batch = []
    for i in range(deliveries):
        body = _push(i, tag)
        batch.append(Delivery(body, headers(body, "push", secret), "push"))
    stack.restartable.stop()
    down_at = time.monotonic()
    sending = max(1.0, down - 10)
    async with contextlib.AsyncExitStack() as exits:
        target = Target(
            name="outage", url=stack.url("api"), concurrency=8, request_timeout_s=10, stack=exits
        )
        # Paced: the deliveries arrive over the outage, not in one burst at its start.
        result = await run_load(target, batch, rate=deliveries / sending)
    await asyncio.sleep(max(0.0, down - (time.monotonic() - down_at)))
    during = await asyncio.to_thread(_counts, url)
    stack.restartable.start()
    back_at = time.monotonic()
    await stack.restartable.connect()
    reachable = time.monotonic() - back_at
    caught_up = None
    while time.monotonic() - back_at < 600:
        counts = await asyncio.to_thread(_counts, url)
        if counts.get("pending", 0) == 0:
            caught_up = time.monotonic() - back_at
            break
        await asyncio.sleep(0.1)
    summary = result.summary()
    return {
        "deliveries": deliveries,
        "outage_seconds": down,
        "acknowledged_2xx": summary["ok"],
        "pending_during_outage": during.get("pending", 0),
        "temporal_reachable_after_s": round(reachable, 1),
        "all_started_after_s": round(caught_up, 1) if caught_up is not None else None,
        "statuses_after": await asyncio.to_thread(_counts, url),
    }


async def main_async(args: argparse.Namespace) -> int:
    stack = await Stack.start(restartable_temporal=True, peers=(), pin=args.pin)
    try:
        for n in range(args.rounds):
            result = await outage(stack, deliveries=args.deliveries, down=args.down)
            print(f"round {n + 1}: " + " ".join(f"{k}={v}" for k, v in result.items()))
    finally:
        await stack.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.outage", description=__doc__)
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--down", type=float, default=60.0, help="outage length (s)")
    parser.add_argument("--rounds", type=int, default=1)
    pinning.add_argument(parser)
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
