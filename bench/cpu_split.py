"""Where the box's CPU goes during each ingest row: `python -m bench.cpu_split`.

Runs the suite's ingest rows (group-commit peer, ignored with and without the webhook log
files, ai:run) plus ai:run with the Temporal server and the worker paused (SIGSTOP), and prints
each row's req/s beside the CPU ms per delivery of every process (the row's API, PostgreSQL,
Temporal, the worker; from /proc, bench/procs.py) while wrk ran. The paused row is the request
path alone; the gap to the plain ai:run row is what starting and running the workflows costs
on the same cores. CPU per delivery is the figure a busy box leaves comparable.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time

from bench import e2e, pinning, procs, wrk_load
from bench.payloads import body_of, issues_labeled
from bench.stack import SECRET, Stack
from bench.suite import loadavg

PARTS = ("api", "postgres", "temporal", "worker")


def _paused(stack: Stack) -> list[int]:
    temporal = procs.temporal_pid(stack)
    return [*procs.worker_pids(stack), *([temporal] if temporal else [])]


async def main_async(args: argparse.Namespace) -> int:
    async with Stack.running(pin=args.pin) as stack:
        secret = SECRET.encode()
        ignored = [("issues", body_of(issues_labeled(1, "bug")))]
        per_row = int(1500 * args.seconds)
        issues = iter(range(10_000, 10_000 + 2 * per_row))
        rows = [  # name, target process, fixed bodies (None: a new issue each), pause others
            ("group-commit peer", "group", ignored, False),
            ("hookflow, ignored", "api", ignored, False),
            ("hookflow, ignored, no log files", "api_nolog", ignored, False),
            ("hookflow, ai:run", "api", None, False),
            ("hookflow, ai:run, Temporal + worker paused", "api", None, True),
        ]
        wrk_load.run_wrk("warm-up", stack.url("api"), ignored, secret, seconds=1, pin=args.pin)
        print("| row | req/s | p99 ms | CPU ms per delivery: " + " · ".join(PARTS) + " |")
        print("|---|---|---|---|")
        for name, target, fixed, pause in rows:
            bodies = fixed or [
                ("issues", body_of(issues_labeled(next(issues), "ai:run"))) for _ in range(per_row)
            ]
            paused = _paused(stack) if pause else []
            before = procs.cpu_seconds(stack)
            for pid in paused:
                os.kill(pid, signal.SIGSTOP)
            try:
                result = await asyncio.to_thread(
                    wrk_load.run_wrk,
                    name,
                    stack.url(target),
                    bodies,
                    secret,
                    seconds=args.seconds,
                    pin=args.pin,
                )
                used = procs.cpu_seconds(stack)
            finally:
                for pid in paused:
                    os.kill(pid, signal.SIGCONT)
            keys = (target if target.startswith("api") else f"peer:{target}", *PARTS[1:])
            per = 1000 / result.ok if result.ok else float("nan")
            cpu = {
                part: (used.get(key, 0.0) - before.get(key, 0.0)) * per
                for part, key in zip(PARTS, keys, strict=True)
            }
            print(
                f"| {name} | {result.rate:,.0f} | {result.p99_ms:.0f} | "
                + " · ".join(f"{cpu[p]:.2f}" for p in PARTS)
                + f" = {sum(cpu.values()):.2f} |",
                flush=True,
            )
            began = time.monotonic()
            await e2e.wait_drained(stack, limit=args.drain_limit)
            print(f"  drained in {time.monotonic() - began:.0f} s", file=sys.stderr)
        print(f"load average at the end: {loadavg()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu_split", description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="wrk seconds per row")
    parser.add_argument("--drain-limit", type=float, default=300.0)
    pinning.add_argument(parser)
    return wrk_load.run_main(parser, argv, main_async)


if __name__ == "__main__":
    sys.exit(main())
