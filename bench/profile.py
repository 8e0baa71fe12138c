"""Where the API's CPU goes on one ingest row: `python -m bench.profile`.

Starts the bench stack, sends one row with wrk while py-spy samples the API process, then
prints the functions with the most samples (own and cumulative) and writes py-spy's collapsed
stacks (flamegraph input) next to the stack's logs. py-spy is a dev dependency; it reads the
process's memory (ptrace), which needs root or CAP_SYS_PTRACE.

    python -m bench.profile --row ignored --seconds 10 [--pin] [--top 40]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
from collections import Counter
from pathlib import Path

from bench import e2e, pinning, procs, wrk_load
from bench.payloads import body_of, issues_labeled, workflow_run
from bench.stack import SECRET, Stack

ROWS = ("ignored", "failure", "ai_run")


def bodies(row: str, seconds: float) -> list[tuple[str, bytes]]:
    if row == "ignored":
        return [("issues", body_of(issues_labeled(1, "bug")))]
    if row == "failure":
        return [("workflow_run", body_of(workflow_run("failure", name="Bench CI", run_number=1)))]
    count = int(1500 * seconds)
    return [("issues", body_of(issues_labeled(20_000 + i, "ai:run"))) for i in range(count)]


def summarize(collapsed: Path, top: int) -> str:
    """Own and cumulative sample counts per function from py-spy's raw (collapsed) output."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        samples += count
        frames = stack.split(";")
        own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    if not samples:
        return "no samples"
    lines = [f"{samples} samples", "", "own % | function"]
    lines += [f"{100 * n / samples:5.1f} | {name}" for name, n in own.most_common(top)]
    lines += ["", "cumulative % | function"]
    lines += [f"{100 * n / samples:5.1f} | {name}" for name, n in total.most_common(top)]
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> int:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    stack = await Stack.start(pin=args.pin, peers=())
    try:
        secret = SECRET.encode()
        sent = bodies(args.row, args.seconds)
        wrk_load.run_wrk(
            "warm-up", stack.url(args.api), bodies("ignored", 1), secret, seconds=2, pin=args.pin
        )
        await e2e.wait_drained(stack, limit=120)
        out = stack.tmp / f"profile-{args.row}.txt"
        [pid] = procs.api_pids(stack, args.api)
        spy = await asyncio.create_subprocess_exec(
            *[
                py_spy,
                "record",
                "--pid",
                str(pid),
                "--rate",
                str(args.rate),
                "--format",
                "raw",
                "--output",
                str(out),
                "--duration",
                str(round(args.seconds + args.after)),
                "--nonblocking",
            ],
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        result = await asyncio.to_thread(
            wrk_load.run_wrk,
            args.row,
            stack.url(args.api),
            sent,
            secret,
            seconds=args.seconds,
            pin=args.pin,
        )
        _, err = await asyncio.wait_for(spy.communicate(), timeout=60 + args.after)
        print(f"{args.row}: {result.rate:,.0f} req/s, p50 {result.p50_ms} ms, p99 {result.p99_ms}")
        if not out.exists():
            print(f"py-spy wrote nothing: {err.decode(errors='replace')}", file=sys.stderr)
            return 1
        print(summarize(out, args.top))
        print(f"\ncollapsed stacks: {out}")
        if args.keep:
            shutil.copy(out, args.keep)
    finally:
        await stack.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--row", choices=ROWS, default="ignored")
    parser.add_argument(
        "--api",
        choices=("api", "api_nolog"),
        default="api",
        help="the API to load and sample (api_nolog: WEBHOOK_LOG_FILES=false)",
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--after", type=float, default=0.0, help="keep sampling this long after the load"
    )
    parser.add_argument("--keep", type=Path, default=None, help="copy the collapsed stacks here")
    pinning.add_argument(parser)
    return wrk_load.run_main(parser, argv, main_async)


if __name__ == "__main__":
    sys.exit(main())
