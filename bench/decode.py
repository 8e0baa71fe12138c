"""What decoding a delivery's body costs: `python -m bench.decode [--rounds 5]`.

Times `delivery.decode.decode` on the bench's payloads (an issue event, a failed workflow_run)
with its fast parse (orjson), and with the fast parse turned off (the standard library's path,
which every body took before), in alternating rounds of the same process: the ratio is the
figure, the microseconds move with the machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.payloads import body_of, issues_labeled, workflow_run
from delivery import decode as decoding

BODIES = {
    "issues (labeled)": body_of(issues_labeled(1, "bug")),
    "workflow_run (failure)": body_of(workflow_run("failure", name="Bench CI", run_number=1)),
}


def per_call(body: bytes, calls: int) -> float:
    """Microseconds per decode() of `body`, the best of three batches of `calls`."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(calls):
            decoding.decode(body)
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e6


def timed(body: bytes, calls: int, fast: Callable[[bytes], dict[str, Any] | None]) -> float:
    original = decoding._fast
    decoding._fast = fast  # type: ignore[assignment]
    try:
        return per_call(body, calls)
    finally:
        decoding._fast = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    stdlib_only: Callable[[bytes], dict[str, Any] | None] = lambda body: None  # noqa: E731
    print("| body | bytes | decode() µs | standard library's path µs | ratio |")
    print("|---|---|---|---|---|")
    for name, body in BODIES.items():
        assert decoding.decode(body).exact, name
        fast, slow = [], []
        for _ in range(args.rounds):
            fast.append(timed(body, args.calls, decoding._fast))
            slow.append(timed(body, args.calls, stdlib_only))
        f, s = statistics.median(fast), statistics.median(slow)
        print(f"| {name} | {len(body):,} | {f:.1f} | {s:.1f} | {f / s:.2f}× |")


if __name__ == "__main__":
    main()
