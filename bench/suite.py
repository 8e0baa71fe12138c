"""One command for every figure of the performance work: `python -m bench.suite`.

Starts PostgreSQL, the Temporal dev server, the worker, the API, the peer endpoints and a fake
AI Maestro; measures ingest (wrk, 1 thread × 16 connections, fresh delivery ids) for the peers
and hookflow's paths, then end-to-end latencies at a gentle rate. Prints two tables and a JSON
line. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

from bench import burst, crash, e2e, wrk_load
from bench.payloads import body_of, issues_labeled, workflow_run
from bench.stack import SECRET, Stack
from bench.wrk_load import LoadResult


def ingest_rows(stack: Stack, *, seconds: float, connections: int) -> list[LoadResult]:
    secret = SECRET.encode()
    ignored = [("issues", body_of(issues_labeled(1, "bug")))]
    failure = [("workflow_run", body_of(workflow_run("failure", name="Bench CI", run_number=1)))]
    # A new issue per ai:run delivery: one run (and one RunWorkflow) each.
    runs = [
        ("issues", body_of(issues_labeled(10_000 + i, "ai:run")))
        for i in range(int(1500 * seconds))
    ]

    def load(name: str, target: str, bodies: list[tuple[str, bytes]]) -> LoadResult:
        result = wrk_load.run_wrk(
            name, stack.url(target), bodies, secret, connections=connections, seconds=seconds
        )
        print(f"  {name}: {result.rate:.0f} req/s, p99 {result.p99_ms:.1f} ms", file=sys.stderr)
        return result

    for target in ("bare", "commit", "group", "api"):  # warm-up: pools, imports, caches
        wrk_load.run_wrk(
            "warm-up", stack.url(target), ignored, secret, connections=connections, seconds=1
        )
    return [
        load("bare endpoint: HMAC + json.loads", "bare", ignored),
        load("durable: INSERT + commit per request (psycopg pool)", "commit", ignored),
        load("durable: group commit ≤ 2 ms, multi-row INSERT", "group", ignored),
        load("hookflow, ignored event (recorded only)", "api", ignored),
        load("hookflow, workflow_run failure (notification group)", "api", failure),
        load("hookflow, ai:run (run row + workflow start)", "api", runs),
    ]


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def render_ingest(rows: list[LoadResult]) -> str:
    peer = next(r for r in rows if r.name.startswith("durable: group"))
    lines = [
        "| system | req/s | p50 ms | p99 ms | non-2xx | × group-commit peer |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = r.rate / peer.rate if peer.rate else 0.0
        lines.append(
            f"| {r.name} | {r.rate:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | "
            f"{r.non_2xx} | {ratio:.2f} |"
        )
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> int:
    started = time.monotonic()
    async with Stack.running(
        api_workers=args.api_workers, worker_processes=args.worker_processes
    ) as stack:
        load = loadavg()
        print(f"machine: {os.cpu_count()} CPUs, load average {load} at start", file=sys.stderr)
        print(
            f"stack up in {time.monotonic() - started:.1f}s (logs in {stack.tmp})", file=sys.stderr
        )
        record: dict[str, object] = {}
        rows: list[LoadResult] = []
        if not args.skip_ingest:
            rows = await asyncio.to_thread(
                ingest_rows, stack, seconds=args.seconds, connections=args.connections
            )
            drained = await e2e.wait_drained(stack, limit=args.drain_limit)
            print(f"  backlog drained in {drained:.1f}s", file=sys.stderr)
            record["ingest"] = [r.__dict__ | {"rate": r.rate} for r in rows]
            record["drain_seconds"] = drained
        latencies = None
        if not args.skip_e2e:
            latencies = await e2e.measure(stack, rate=args.rate, seconds=args.e2e_seconds)
            record["e2e"] = latencies
        # After the latencies: a burst leaves the worker busy for minutes.
        burst_result = None
        if args.burst:
            burst_result = await burst.burst(
                stack, n=args.burst, concurrency=args.connections, limit=args.burst_limit
            )
            record["burst"] = burst_result
        print()
        if rows:
            print(
                f"Ingest: wrk 1 thread × {args.connections} connections, {args.seconds:g} s "
                "per row, fresh delivery ids, 13.8 KB issues.labeled bodies"
            )
            print(render_ingest(rows))
            print()
        if burst_result is not None:
            print(f"Burst of {args.burst} ai:run deliveries (16 connections, then drained):")
            print(" ".join(f"{k}={v}" for k, v in burst_result.items()))
            print()
        if latencies is not None:
            print(
                f"End to end at {args.rate:g} deliveries/s for {args.e2e_seconds:g} s "
                "(webhook sent → …)"
            )
            print(e2e.render(latencies))
            print()
        load = loadavg()
        print(
            f"Machine: {os.cpu_count()} CPUs shared with everything else running; "
            f"load average at the end {load}"
        )
        if args.crash:  # last: it kills the API
            crashed = await crash.crash(stack)
            record["crash"] = crashed
            print(
                "SIGKILL of the API under load: " + " ".join(f"{k}={v}" for k, v in crashed.items())
            )
        print("BENCH_JSON " + json.dumps(record, separators=(",", ":"), default=str))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.suite", description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="wrk seconds per row")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rate", type=float, default=10.0, help="end-to-end deliveries/s")
    parser.add_argument("--e2e-seconds", type=float, default=20.0)
    parser.add_argument(
        "--drain-limit",
        type=float,
        default=300.0,
        help="longest wait for the ingest rows' work to finish",
    )
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument(
        "--burst",
        type=int,
        default=0,
        help="also send this many ai:run deliveries at once and drain them",
    )
    parser.add_argument(
        "--burst-limit",
        type=float,
        default=1800.0,
        help="longest wait (s, from the first delivery) for the burst to drain",
    )
    parser.add_argument(
        "--crash",
        action="store_true",
        help="finally SIGKILL the API under load and check every 2xx's row",
    )
    parser.add_argument("--api-workers", type=int, default=1, help="uvicorn --workers")
    parser.add_argument(
        "--worker-processes", type=int, default=1, help="worker.py processes on the task queue"
    )
    parser.add_argument("--skip-e2e", action="store_true")
    args = parser.parse_args(argv)
    if not wrk_load.available() and not args.skip_ingest:
        parser.error("wrk is not installed (apt-get install wrk), or pass --skip-ingest")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
