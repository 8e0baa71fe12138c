"""Webhook acknowledgement latency: N signed `issues` deliveries at concurrency C.

    python -m bench.webhook_latency --url http://127.0.0.1:9000/api/webhooks/github \\
        --secret-env GITHUB_WEBHOOK_SECRET -n 2000 -c 20 [--compare-bare]

Prints p50/p90/p99/max latency, deliveries/s and status counts as a table and one JSON line.
With --compare-bare the same requests also go to bench/bare_endpoint.py (signature check only)
and the full/bare ratios come from that one run. Targets are limited to 127.0.0.1.
Runs against any hookflow URL (the payloads are bench/payloads.py's, the load
bench/http_load.py's, the table bench/latency_report.py's); `bench.suite` is the one-command
comparison with the durable peers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
from collections import Counter
from urllib.parse import urlsplit, urlunsplit

from bench.bare_endpoint import BareEndpoint
from bench.http_load import Target, compare, run_load
from bench.latency_report import ratios, render_table
from bench.payloads import build_deliveries

ALLOWED_HOST = "127.0.0.1"  # the only host this load generator sends to


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.webhook_latency",
        description="Acknowledgement latency of signed GitHub `issues` deliveries.",
    )
    parser.add_argument(
        "--url",
        default="http://127.0.0.1:9000/api/webhooks/github",
        help="webhook URL of the running service (127.0.0.1 only)",
    )
    parser.add_argument(
        "--secret-env",
        default="GITHUB_WEBHOOK_SECRET",
        help="environment variable holding the webhook secret",
    )
    parser.add_argument("-n", "--requests", type=int, default=2000, help="total deliveries")
    parser.add_argument("-c", "--concurrency", type=int, default=20, help="requests in flight")
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="per-request timeout in seconds (GitHub waits 10 s)",
    )
    parser.add_argument(
        "--run-share",
        type=float,
        default=0.25,
        help="share of deliveries labelled ai:run (each starts a run)",
    )
    parser.add_argument(
        "--repo", default="hookflow-bench/sandbox", help="repository.full_name in the payloads"
    )
    parser.add_argument("--hook-id", default="480012345", help="X-GitHub-Hook-ID value")
    parser.add_argument("--seed", type=int, default=None, help="payload mix seed")
    parser.add_argument(
        "--compare-bare",
        action="store_true",
        help="also run the load against bench/bare_endpoint.py and compare",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=10,
        help="with --compare-bare: alternate the two targets over this many "
        "slices of the N deliveries",
    )
    args = parser.parse_args(argv)
    parts = urlsplit(args.url)
    if parts.scheme != "http" or parts.hostname != ALLOWED_HOST:
        parser.error(f"--url must be http://{ALLOWED_HOST}:<port>/…; got {args.url}")
    if not 1 <= args.requests <= 1_000_000:
        parser.error("-n must be between 1 and 1,000,000")
    if not 1 <= args.concurrency <= 1000:
        parser.error("-c must be between 1 and 1000")
    if not 0 < args.timeout <= 60:
        parser.error("--timeout must be in (0, 60] seconds")
    if not 0 <= args.run_share <= 1:
        parser.error("--run-share must be between 0 and 1")
    args.concurrency = min(args.concurrency, args.requests)
    secret = os.environ.get(args.secret_env, "")
    if not secret:
        parser.error(f"{args.secret_env} is not set (the service's webhook secret)")
    args.secret = secret
    args.url = urlunsplit(parts)
    return args


async def main_async(args: argparse.Namespace) -> int:
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    deliveries = build_deliveries(
        n=args.requests,
        secret=args.secret.encode(),
        repo=args.repo,
        hook_id=args.hook_id,
        run_share=args.run_share,
        seed=seed,
    )
    mix = Counter(d.kind for d in deliveries)
    mean_kb = sum(len(d.body) for d in deliveries) / len(deliveries) / 1024
    print(
        f"{args.requests} deliveries ({mix['ai:run']} ai:run, {mix['ignored']} ignored; "
        f"mean body {mean_kb:.1f} KiB; seed {seed}) at concurrency {args.concurrency}",
        file=sys.stderr,
    )

    async with contextlib.AsyncExitStack() as stack:

        def target(name: str, url: str) -> Target:
            return Target(
                name=name,
                url=url,
                concurrency=args.concurrency,
                request_timeout_s=args.timeout,
                stack=stack,
            )

        full = target("full", args.url)
        if not args.compare_bare:
            rows = [await run_load(full, deliveries)]
        else:
            bare_endpoint = BareEndpoint(secret=args.secret, path=urlsplit(args.url).path or "/")
            stack.callback(bare_endpoint.stop)
            await bare_endpoint.wait_ready()
            rows = await compare(
                full, target("bare", bare_endpoint.url), deliveries=deliveries, rounds=args.rounds
            )

    summaries = [row.summary() for row in rows]
    ratio = ratios(summaries[0], summaries[1]) if len(summaries) == 2 else None
    print(render_table(summaries, ratio))
    record: dict[str, object] = {
        "bench": "webhook_latency",
        "seed": seed,
        "mix": dict(mix),
        "results": summaries,
    }
    if ratio is not None:
        record["ratio_full_over_bare"] = ratio
    print(json.dumps(record, separators=(",", ":")))
    failed = any(s["ok"] != s["requests"] for s in summaries)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
