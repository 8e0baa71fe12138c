"""Webhook acknowledgement latency: N signed `issues` deliveries at concurrency C.

    python -m bench.webhook_latency --url http://127.0.0.1:9000/api/webhooks/github \\
        --secret-env GITHUB_WEBHOOK_SECRET -n 2000 -c 20 [--compare-bare]

Prints p50/p90/p99/max latency, deliveries/s and status counts as a table and one JSON line.
With --compare-bare the same requests also go to bench/bare_endpoint.py (signature check only)
and the full/bare ratios come from that one run. Targets are limited to 127.0.0.1.
A standalone script (load generator, stack launcher and report in one file) that runs against
any hookflow URL; `bench.suite` is the one-command comparison with the durable peers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from delivery.signature import sign

try:
    import sniffio  # noqa: F401
except ImportError:
    # httpcore retries `import sniffio` on every request when it is absent (a full sys.path
    # search each time); a None entry makes that import fail at once, in this process only.
    sys.modules["sniffio"] = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parent.parent
ALLOWED_HOST = "127.0.0.1"
IGNORED_LABELS = ("bug", "enhancement", "documentation", "good first issue", "needs-triage")
IGNORED_ACTIONS = ("opened", "edited", "closed", "reopened", "assigned", "unlabeled")


@dataclass(frozen=True)
class Delivery:
    body: bytes
    headers: dict[str, str]
    kind: str  # "ai:run" or "ignored"


@dataclass
class Result:
    target: str
    url: str
    requests: int
    concurrency: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)
    statuses: Counter[str]

    def summary(self) -> dict[str, object]:
        ordered = sorted(self.latencies_ms)
        ok = sum(n for status, n in self.statuses.items() if status.startswith("2"))
        return {
            "target": self.target,
            "url": self.url,
            "requests": self.requests,
            "concurrency": self.concurrency,
            "ok": ok,
            "p50_ms": _percentile(ordered, 50),
            "p90_ms": _percentile(ordered, 90),
            "p99_ms": _percentile(ordered, 99),
            "max_ms": round(ordered[-1], 2) if ordered else None,
            "deliveries_per_s": round(ok / self.seconds, 1) if self.seconds else 0.0,
            "seconds": round(self.seconds, 3),
            "statuses": dict(sorted(self.statuses.items())),
        }


def _percentile(ordered: list[float], pct: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil without floats drifting
    return round(ordered[int(rank) - 1], 2)


# --- payloads -------------------------------------------------------------------------------


def _user(login: str, user_id: int) -> dict[str, object]:
    api = f"https://api.github.com/users/{login}"
    return {
        "login": login,
        "id": user_id,
        "node_id": f"MDQ6VXNlcj{user_id}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": f"https://github.com/{login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": "User",
        "user_view_type": "public",
        "site_admin": False,
    }


def _label(name: str, label_id: int) -> dict[str, object]:
    return {
        "id": label_id,
        "node_id": f"LA_kwDO{label_id}",
        "name": name,
        "url": f"https://api.github.com/repos/hookflow-bench/sandbox/labels/{name}",
        "color": "0e8a16" if name == "ai:run" else "d73a4a",
        "default": name in IGNORED_LABELS[:3],
        "description": f"{name} label",
    }


def _repository(full_name: str, owner: dict[str, object]) -> dict[str, object]:
    api = f"https://api.github.com/repos/{full_name}"
    return {
        "id": 812345678,
        "node_id": "R_kgDOMGxkTg",
        "name": full_name.split("/")[1],
        "full_name": full_name,
        "private": True,
        "owner": owner,
        "html_url": f"https://github.com/{full_name}",
        "description": "Benchmark sandbox",
        "fork": False,
        "url": api,
        "issues_url": f"{api}/issues{{/number}}",
        "labels_url": f"{api}/labels{{/name}}",
        "pulls_url": f"{api}/pulls{{/number}}",
        "hooks_url": f"{api}/hooks",
        "created_at": "2024-06-01T09:00:00Z",
        "updated_at": "2025-01-10T12:00:00Z",
        "pushed_at": "2025-01-10T12:00:00Z",
        "git_url": f"git://github.com/{full_name}.git",
        "ssh_url": f"git@github.com:{full_name}.git",
        "clone_url": f"https://github.com/{full_name}.git",
        "size": 2048,
        "stargazers_count": 3,
        "watchers_count": 3,
        "language": "Python",
        "has_issues": True,
        "has_projects": False,
        "has_wiki": False,
        "forks_count": 0,
        "archived": False,
        "disabled": False,
        "open_issues_count": 17,
        "license": None,
        "topics": [],
        "visibility": "private",
        "forks": 0,
        "open_issues": 17,
        "watchers": 3,
        "default_branch": "main",
    }


def _issue_payload(
    *,
    rng: random.Random,
    repo: str,
    number: int,
    action: str,
    label: str | None,
) -> dict[str, object]:
    owner = _user(repo.split("/")[0], 9_000_001)
    sender = _user(f"dev-{rng.randrange(1, 40)}", 9_100_000 + rng.randrange(1, 40))
    labels = [_label(name, 7_000_000 + i) for i, name in enumerate(rng.sample(IGNORED_LABELS, 2))]
    if label is not None and label not in {lb["name"] for lb in labels}:
        labels.append(_label(label, 7_000_100))
    created = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=number)
    api = f"https://api.github.com/repos/{repo}/issues/{number}"
    issue = {
        "url": api,
        "repository_url": f"https://api.github.com/repos/{repo}",
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": f"https://github.com/{repo}/issues/{number}",
        "id": 2_700_000_000 + number,
        "node_id": f"I_kwDOMGxkTs6{number:08d}",
        "number": number,
        "title": f"Add retry with backoff to the sync job ({number})",
        "user": sender,
        "labels": labels,
        "state": "closed" if action == "closed" else "open",
        "locked": False,
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "comments": rng.randrange(0, 6),
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "updated_at": (created + timedelta(hours=2)).isoformat().replace("+00:00", "Z"),
        "closed_at": None,
        "author_association": "MEMBER",
        "active_lock_reason": None,
        "body": (
            "The nightly sync job fails when the upstream API returns 502.\n\n"
            "## Acceptance criteria\n- retry 5 times with exponential backoff\n"
            "- log each attempt with the request id\n- add a test for the 502 path\n"
        )
        * rng.randrange(1, 4),
        "reactions": {
            "url": f"{api}/reactions",
            "total_count": 0,
            "+1": 0,
            "-1": 0,
            "laugh": 0,
            "hooray": 0,
            "confused": 0,
            "heart": 0,
            "rocket": 0,
            "eyes": 0,
        },
        "timeline_url": f"{api}/timeline",
        "performed_via_github_app": None,
        "state_reason": "completed" if action == "closed" else None,
    }
    payload: dict[str, object] = {"action": action, "issue": issue}
    if label is not None:
        payload["label"] = _label(label, 7_000_100)
    payload["repository"] = _repository(repo, owner)
    payload["sender"] = sender
    return payload


def build_deliveries(
    *,
    n: int,
    secret: bytes,
    repo: str,
    hook_id: str,
    run_share: float,
    seed: int,
) -> list[Delivery]:
    """N signed deliveries, each with a unique delivery id and issue number (no dedupe hits)."""
    rng = random.Random(seed)
    first_issue = 100_000 + rng.randrange(0, 800_000)
    deliveries = []
    for i in range(n):
        if rng.random() < run_share:
            kind, action, label = "ai:run", "labeled", "ai:run"
        elif rng.random() < 0.5:
            kind, action, label = "ignored", "labeled", rng.choice(IGNORED_LABELS)
        else:
            kind, action, label = "ignored", rng.choice(IGNORED_ACTIONS), None
        payload = _issue_payload(
            rng=rng, repo=repo, number=first_issue + i, action=action, label=label
        )
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/bench01",
            "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-GitHub-Hook-ID": hook_id,
            "X-GitHub-Hook-Installation-Target-ID": "812345678",
            "X-GitHub-Hook-Installation-Target-Type": "repository",
            "X-Hub-Signature": "sha1=" + hmac.new(secret, body, hashlib.sha1).hexdigest(),
            "X-Hub-Signature-256": sign(body, secret),
        }
        deliveries.append(Delivery(body=body, headers=headers, kind=kind))
    return deliveries


# --- load -----------------------------------------------------------------------------------


class Target:
    """A URL and one single-connection client per concurrent sender, reused across rounds.

    Clients are built before any timing starts (building one costs milliseconds of CPU), and
    each owns one connection because httpx's shared pool scans every connection on each
    request, which would make the client, not the server, the bottleneck at c ≥ 10.
    """

    def __init__(
        self,
        *,
        name: str,
        url: str,
        concurrency: int,
        request_timeout_s: float,
        stack: contextlib.AsyncExitStack,
    ) -> None:
        self.name, self.url = name, url
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        timeout = httpx.Timeout(request_timeout_s)
        self.clients = [
            httpx.AsyncClient(timeout=timeout, limits=limits, trust_env=False)
            for _ in range(concurrency)
        ]
        for client in self.clients:
            stack.push_async_callback(client.aclose)


async def run_load(target: Target, deliveries: list[Delivery]) -> Result:
    """Send every delivery exactly once with one request in flight per client."""
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    next_index = iter(range(len(deliveries)))

    async def sender(client: httpx.AsyncClient) -> None:
        for index in next_index:
            delivery = deliveries[index]
            started = time.perf_counter()
            try:
                response = await client.post(
                    target.url, content=delivery.body, headers=delivery.headers
                )
            except httpx.TimeoutException:
                statuses["timeout"] += 1
                continue
            except httpx.TransportError as exc:
                statuses[f"error:{type(exc).__name__}"] += 1
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[str(response.status_code)] += 1

    began = time.perf_counter()
    await asyncio.gather(*(sender(client) for client in target.clients))
    seconds = time.perf_counter() - began
    return Result(
        target=target.name,
        url=target.url,
        requests=len(deliveries),
        concurrency=len(target.clients),
        seconds=seconds,
        latencies_ms=latencies,
        statuses=statuses,
    )


def merge(parts: list[Result]) -> Result:
    """One result from several rounds against the same target."""
    first = parts[0]
    return Result(
        target=first.target,
        url=first.url,
        concurrency=first.concurrency,
        requests=sum(p.requests for p in parts),
        seconds=sum(p.seconds for p in parts),
        latencies_ms=[ms for p in parts for ms in p.latencies_ms],
        statuses=sum((p.statuses for p in parts), Counter()),
    )


async def compare(
    full: Target,
    bare: Target,
    *,
    deliveries: list[Delivery],
    rounds: int,
) -> list[Result]:
    """Alternate slices between the two targets so both see the same background load.

    The service gets every delivery once (unique delivery ids); the bare endpoint gets the same
    bodies, which it does not record.
    """
    rounds = max(1, min(rounds, len(deliveries)))
    size = -(-len(deliveries) // rounds)
    results: dict[str, list[Result]] = {full.name: [], bare.name: []}
    for i, start in enumerate(range(0, len(deliveries), size)):
        chunk = deliveries[start : start + size]
        for target in (full, bare) if i % 2 == 0 else (bare, full):
            results[target.name].append(await run_load(target, chunk))
    return [merge(results[full.name]), merge(results[bare.name])]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((ALLOWED_HOST, 0))
        return int(sock.getsockname()[1])


class BareEndpoint:
    """bench/bare_endpoint.py in a uvicorn subprocess on a free loopback port."""

    def __init__(self, *, secret: str, path: str) -> None:
        self.port = _free_port()
        self.url = f"http://{ALLOWED_HOST}:{self.port}{path}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_WEBHOOK_SECRET")}
        env["GITHUB_WEBHOOK_SECRET"] = secret
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.bare_endpoint", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    async def wait_ready(self, deadline_s: float = 20.0) -> None:
        health = f"http://{ALLOWED_HOST}:{self.port}/healthz"
        give_up = time.monotonic() + deadline_s
        async with httpx.AsyncClient(timeout=1.0, trust_env=False) as client:
            while time.monotonic() < give_up:
                if self.process.poll() is not None:
                    err = self.process.stderr.read().decode() if self.process.stderr else ""
                    raise RuntimeError(f"bare endpoint exited: {err.strip()}")
                try:
                    if (await client.get(health)).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"bare endpoint not ready on port {self.port} after {deadline_s}s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


# --- output ---------------------------------------------------------------------------------

COLUMNS = ("target", "ok", "p50_ms", "p90_ms", "p99_ms", "max_ms", "deliveries_per_s", "statuses")


def ratios(full: dict[str, object], bare: dict[str, object]) -> dict[str, float | None]:
    def ratio(key: str) -> float | None:
        a, b = full[key], bare[key]
        if not isinstance(a, int | float) or not isinstance(b, int | float) or not b:
            return None
        return round(a / b, 2)

    return {"p50": ratio("p50_ms"), "p99": ratio("p99_ms"), "throughput": ratio("deliveries_per_s")}


def render_table(rows: list[dict[str, object]], ratio: dict[str, float | None] | None) -> str:
    cells = [[str(c) for c in COLUMNS]]
    for row in rows:
        statuses = row["statuses"]
        assert isinstance(statuses, dict)
        cells.append(
            [
                *(str(row[c]) for c in COLUMNS[:-1]),
                " ".join(f"{k}×{v}" for k, v in statuses.items()),
            ]
        )
    if ratio is not None:
        cells.append(
            [
                "full/bare",
                "",
                str(ratio["p50"]),
                "",
                str(ratio["p99"]),
                "",
                str(ratio["throughput"]),
                "",
            ]
        )
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# --- entry point ----------------------------------------------------------------------------


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
