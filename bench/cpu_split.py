"""Where the box's CPU goes during each ingest row: `python -m bench.cpu_split`.

Runs the suite's ingest rows (group-commit peer, ignored, ai:run) plus ai:run with the Temporal
server and the worker paused (SIGSTOP), and prints each row's req/s beside the cores each
process group used (from /proc). The paused row is the request path alone; the gap to the
plain ai:run row is what starting and running the workflows costs on the same cores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench import e2e, wrk_load
from bench.payloads import body_of, issues_labeled
from bench.stack import SECRET, Stack
from bench.suite import loadavg

TICK = os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (PostgreSQL forks a backend per connection)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / TICK


def _temporal_pids(port: str) -> list[int]:
    """The dev server the stack started (WorkflowEnvironment does not expose its process)."""
    found = subprocess.run(
        ["pgrep", "-f", f"temporal server start-dev --port {port}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return [int(p) for p in found.stdout.split()]


async def main_async(args: argparse.Namespace) -> int:
    async with Stack.running() as stack:
        assert stack.postgres is not None
        temporal = _temporal_pids(stack.temporal_address.rsplit(":", 1)[1])
        worker = stack.processes["worker0"].pid
        postgres = stack.postgres.process.pid
        groups = {
            "api": lambda: _tree(stack.processes["api"].pid),
            "worker": lambda: _tree(worker),
            "temporal": lambda: [p for t in temporal for p in _tree(t)],
            "postgres": lambda: _tree(postgres),
            "peer": lambda: _tree(stack.processes["group"].pid),
        }
        secret = SECRET.encode()
        ignored = [("issues", body_of(issues_labeled(1, "bug")))]
        per_row = int(1500 * args.seconds)
        issues = iter(range(10_000, 10_000 + 2 * per_row))
        rows = [
            ("group-commit peer", "group", ignored, []),
            ("hookflow, ignored", "api", ignored, []),
            ("hookflow, ai:run", "api", None, []),
            ("hookflow, ai:run, Temporal + worker paused", "api", None, [*temporal, worker]),
        ]
        wrk_load.run_wrk("warm-up", stack.url("api"), ignored, secret, seconds=1)
        print("| row | req/s | p99 ms | " + " | ".join(f"{g} cores" for g in groups) + " |")
        print("|---" * (3 + len(groups)) + "|")
        for name, target, fixed, paused in rows:
            bodies = fixed or [
                ("issues", body_of(issues_labeled(next(issues), "ai:run"))) for _ in range(per_row)
            ]
            before = {g: _cpu_seconds(pids()) for g, pids in groups.items()}
            for pid in paused:
                os.kill(pid, signal.SIGSTOP)
            started = time.monotonic()
            try:
                result = await asyncio.to_thread(
                    wrk_load.run_wrk, name, stack.url(target), bodies, secret, seconds=args.seconds
                )
            finally:
                for pid in paused:
                    os.kill(pid, signal.SIGCONT)
            wall = time.monotonic() - started
            cores = {g: (_cpu_seconds(pids()) - before[g]) / wall for g, pids in groups.items()}
            print(
                f"| {name} | {result.rate:,.0f} | {result.p99_ms:.0f} | "
                + " | ".join(f"{c:.2f}" for c in cores.values())
                + " |",
                flush=True,
            )
            await e2e.wait_drained(stack, limit=args.drain_limit)
        print(f"load average at the end: {loadavg()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu_split", description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="wrk seconds per row")
    parser.add_argument("--drain-limit", type=float, default=300.0)
    args = parser.parse_args(argv)
    if not wrk_load.available():
        parser.error("wrk is not installed (apt-get install wrk)")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
