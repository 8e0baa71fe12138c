"""One command for every figure of the performance work: `python -m bench.suite`.

Starts PostgreSQL, the Temporal dev server, the worker, the API, the peer endpoints and a fake
AI Maestro; measures ingest (wrk, 1 thread × 16 connections, fresh delivery ids) for the peers
and hookflow's paths with CPU ms per delivery of every process, then end-to-end latencies at a
gentle rate with each notification's hops; optionally a burst and a Temporal outage. Prints
the tables, issue 23's target table and a JSON line. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench import burst, crash, e2e, hops, ingest, ingest_report, outage, pinning, targets, wrk_load
from bench.stack import Stack


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _round_ratios(passes: list[list[ingest.Measured]]) -> str:
    lines = []
    for n, done in enumerate(passes, 1):
        r = ingest_report.ratios({m.row.key: m for m in done})
        lines.append(
            f"round {n}: " + ", ".join(f"{k} {v:.2f}" for k, v in r.items() if v is not None)
        )
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> int:
    started = time.monotonic()
    stack = await Stack.start(
        api_workers=args.api_workers, worker_processes=args.worker_processes, pin=args.pin
    )
    print(f"machine: {os.cpu_count()} CPUs, load average {loadavg()} at start", file=sys.stderr)
    print(f"stack up in {time.monotonic() - started:.1f}s (logs in {stack.tmp})", file=sys.stderr)
    record: dict[str, Any] = {
        "pin": args.pin,
        "pause_workers": args.pause_workers,
        "load_at_start": loadavg(),
    }
    medians: dict[str, ingest.Measured] | None = None
    latencies = burst_result = outage_result = None
    try:
        if not args.skip_ingest:
            chosen = tuple(r for r in ingest.ROWS if not args.rows or r.key in args.rows)
            passes = await ingest.run_rows(
                stack,
                seconds=args.seconds,
                connections=args.connections,
                rounds=args.rounds,
                drain_limit=args.drain_limit,
                rows=chosen,
                pause_workers=args.pause_workers,
            )
            medians = {
                row.key: ingest_report.median_row([p[i] for p in passes])
                for i, row in enumerate(chosen)
            }
            record["ingest_rounds"] = [[ingest_report.as_json(m) for m in p] for p in passes]
            record["ingest"] = [ingest_report.as_json(m) for m in medians.values()]
            record["ratios"] = ingest_report.ratios(medians)
            record["load_after_ingest"] = loadavg()
        if not args.skip_e2e:
            latencies = await e2e.measure(stack, rate=args.rate, seconds=args.e2e_seconds)
            record["e2e"] = latencies
        if args.burst:  # after the latencies: a burst leaves the worker busy for minutes
            burst_result = await burst.burst(
                stack, n=args.burst, concurrency=args.connections, limit=args.burst_limit
            )
            record["burst"] = burst_result
        if args.crash:  # last on this stack: it kills the API
            record["crash"] = await crash.crash(stack)
    finally:
        await stack.stop()
    if args.outage:  # its own stack: Temporal with its state in a file, stopped and started
        stack = await Stack.start(restartable_temporal=True, peers=(), pin=args.pin)
        try:
            outage_result = await outage.outage(
                stack, deliveries=args.outage_deliveries, down=args.outage
            )
            record["outage"] = outage_result
        finally:
            await stack.stop()
    record["load_at_end"] = loadavg()
    print()
    if medians:
        print(
            f"Ingest: wrk 1 thread × {args.connections} connections, {args.seconds:g} s per row, "
            f"fresh delivery ids, 13.8 KB bodies; median of {args.rounds} round(s); "
            + ("servers pinned to CPU 0, wrk to CPU 1" if args.pin else "nothing pinned")
            + (
                "; workers paused during start rows until every delivery had started"
                if args.pause_workers
                else ""
            )
        )
        print(ingest_report.render(list(medians.values())))
        print()
        print(_round_ratios(record_passes(record)))
        print()
    if latencies is not None:
        print(f"End to end at {args.rate:g} deliveries/s for {args.e2e_seconds:g} s (webhook →)")
        print(e2e.render(latencies))
        print()
        print("Where a notification's time goes (p50/p90 of each hop, from Temporal histories):")
        print(hops.render(latencies.get("hops", {})))
        print()
    if burst_result is not None:
        print(f"Burst of {args.burst} ai:run deliveries (16 connections, then drained):")
        print(" ".join(f"{k}={v}" for k, v in burst_result.items()))
        print()
    if "crash" in record:
        crashed = " ".join(f"{k}={v}" for k, v in record["crash"].items())
        print(f"SIGKILL of the API under load: {crashed}")
        print()
    if outage_result is not None:
        print("Temporal outage: " + " ".join(f"{k}={v}" for k, v in outage_result.items()))
        print()
    print("Targets (issue 23):")
    print(targets.render(targets.rows(medians, latencies, burst_result, outage_result)))
    print()
    print(
        f"Machine: {os.cpu_count()} CPUs shared with everything else running; load average "
        f"{record['load_at_start']} at start, {record['load_at_end']} at the end"
    )
    print("BENCH_JSON " + json.dumps(record, separators=(",", ":"), default=str))
    return 0


def record_passes(record: dict[str, Any]) -> list[list[ingest.Measured]]:
    """The rounds again as Measured rows (for the per-round ratios)."""
    by_key = {row.key: row for row in ingest.ROWS}
    passes = []
    for done in record.get("ingest_rounds", []):
        passes.append(
            [
                ingest.Measured(
                    by_key[m["key"]],
                    m["rate"],
                    m["p50_ms"],
                    m["p99_ms"],
                    m["non_2xx"],
                    m["acked"],
                    m["cpu_ms"],
                    m["sustained"],
                    m["started"],
                    m["cpu_ms_until_started"],
                )
                for m in done
            ]
        )
    return passes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.suite", description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="wrk seconds per row")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the ingest rows")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rows",
        type=lambda text: [r.strip() for r in text.split(",") if r.strip()],
        default=[],
        help="only these ingest rows (comma list of: "
        + ", ".join(r.key for r in ingest.ROWS)
        + ")",
    )
    parser.add_argument("--rate", type=float, default=10.0, help="end-to-end deliveries/s")
    parser.add_argument("--e2e-seconds", type=float, default=20.0)
    parser.add_argument(
        "--drain-limit", type=float, default=300.0, help="longest wait for a row's work to finish"
    )
    parser.add_argument(
        "--pause-workers",
        action="store_true",
        help="stop the workers (hookflow's and the peer's) during a start row until every "
        "delivery has started: recording and starting alone, without the workflows running",
    )
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument(
        "--burst", type=int, default=0, help="also send this many ai:run deliveries and drain"
    )
    parser.add_argument(
        "--burst-limit", type=float, default=1800.0, help="longest wait for the burst to drain"
    )
    parser.add_argument(
        "--outage",
        type=float,
        default=0.0,
        help="also stop Temporal this many seconds while deliveries arrive (60 for the target)",
    )
    parser.add_argument("--outage-deliveries", type=int, default=1000)
    parser.add_argument(
        "--crash", action="store_true", help="SIGKILL the API under load; check every 2xx's row"
    )
    parser.add_argument("--api-workers", type=int, default=1, help="uvicorn --workers")
    parser.add_argument(
        "--worker-processes", type=int, default=1, help="worker.py processes on the task queue"
    )
    pinning.add_argument(parser)
    args = parser.parse_args(argv)
    if not wrk_load.available() and not args.skip_ingest:
        parser.error("wrk is not installed (apt-get install wrk), or pass --skip-ingest")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
