"""The HTTP load generator: each delivery sent once, one request in flight per single-connection
client, latencies and status counts per target (also alternated with a second target)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

try:
    import sniffio  # noqa: F401
except ImportError:
    # httpcore retries `import sniffio` on every request when it is absent (a full sys.path
    # search each time); a None entry makes that import fail at once, in this process only.
    sys.modules["sniffio"] = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Delivery:
    """One signed request: its body, its headers and what the service does with it."""

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


async def run_load(
    target: Target, deliveries: list[Delivery], *, rate: float | None = None
) -> Result:
    """Send every delivery exactly once with one request in flight per client (and, with
    `rate`, the i-th delivery not before i / rate seconds)."""
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    next_index = iter(range(len(deliveries)))
    began = time.perf_counter()

    async def sender(client: httpx.AsyncClient) -> None:
        for index in next_index:
            delivery = deliveries[index]
            if rate:
                await asyncio.sleep(max(0.0, began + index / rate - time.perf_counter()))
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
