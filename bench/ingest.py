"""The ingest rows: each peer and hookflow path under wrk, with CPU ms per delivery for every
process (from /proc) and, for paths that start workflows, the sustained rate: deliveries
acknowledged *and* started ÷ the time from the first request to the last start."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg

from bench import e2e, procs, wrk_load
from bench.payloads import body_of, issues_labeled, workflow_run
from bench.peers import PEER_QUEUE, TABLE
from bench.stack import SECRET, Stack

HOOK_ID = "480012345"  # wrk's X-GitHub-Hook-ID (bench/wrk_load.py)
PARTS = ("api", "postgres", "temporal", "worker")


@dataclass(frozen=True)
class Row:
    key: str  # short name used by the ratios
    name: str
    target: str  # "api" (hookflow) or a peer mode
    bodies: str  # "ignored" | "failure" | "ai_run"
    starts: bool = False  # starts a workflow per delivery: sustained rate measured


ROWS = (
    Row("bare", "bare endpoint: HMAC + json.loads", "bare", "ignored"),
    Row("commit", "durable: INSERT + commit per request", "commit", "ignored"),
    Row("group", "durable: group commit (record)", "group", "ignored"),
    Row("start", "durable + Temporal start (record + start)", "start", "ai_run", starts=True),
    Row("ignored", "hookflow, ignored event (recorded only)", "api", "ignored"),
    Row(
        "ignored_nolog",
        "hookflow, ignored event, WEBHOOK_LOG_FILES=false",
        "api_nolog",
        "ignored",
    ),
    Row("ai_run", "hookflow, ai:run (run row + workflow start)", "api", "ai_run", starts=True),
    Row(
        "ai_run_nolog",
        "hookflow, ai:run, WEBHOOK_LOG_FILES=false",
        "api_nolog",
        "ai_run",
        starts=True,
    ),
    Row("failure", "hookflow, workflow_run failure (notification group)", "api", "failure"),
)


@dataclass
class Measured:
    row: Row
    rate: float  # acknowledged (2xx) per second while wrk ran
    p50_ms: float
    p99_ms: float
    non_2xx: int
    acked: int
    cpu_ms: dict[str, float] = field(default_factory=dict)  # per delivery, by part
    sustained: float | None = None  # acknowledged and started per second
    started: int | None = None
    # Until the last start only (the sustained window; the rest is the workflows running).
    cpu_ms_started: dict[str, float] = field(default_factory=dict)

    @property
    def cpu_total(self) -> float:
        return sum(v for v in self.cpu_ms.values() if v == v)  # NaN (part not found) skipped


class Bodies:
    """Request bodies per kind; every ai:run body names a new issue (one run each)."""

    def __init__(self, seconds: float) -> None:
        self._per_row = int(2000 * seconds)
        self._next_issue = 10_000

    def get(self, kind: str) -> list[tuple[str, bytes]]:
        if kind == "ignored":
            return [("issues", body_of(issues_labeled(1, "bug")))]
        if kind == "failure":
            body = body_of(workflow_run("failure", name="Bench CI", run_number=1))
            return [("workflow_run", body)]
        first, self._next_issue = self._next_issue, self._next_issue + self._per_row
        return [
            ("issues", body_of(issues_labeled(n, "ai:run"))) for n in range(first, self._next_issue)
        ]


def _started(stack: Stack, row: Row, prefix: str) -> tuple[int, int, float | None]:
    """(started, still pending, wall time of the last start) of one row's deliveries."""
    if row.target.startswith("api"):
        url, sql = (
            stack.database_url.replace("+psycopg", ""),
            "SELECT count(*) FILTER (WHERE dispatch_status = 'dispatched'),"
            " count(*) FILTER (WHERE dispatch_status = 'pending'),"
            " extract(epoch FROM max(dispatched_at)) FROM webhook_events"
            " WHERE delivery_id LIKE %s",
        )
        pattern = prefix + "-%"
    else:
        url, sql = (
            stack.peer_dsn,
            f"SELECT count(dispatched_at), count(*) - count(dispatched_at),"
            f" extract(epoch FROM max(dispatched_at)) FROM {TABLE} WHERE dedupe_key LIKE %s",
        )
        pattern = f"{HOOK_ID}:{prefix}-%"
    with psycopg.connect(url) as conn:
        started, pending, last = conn.execute(sql, (pattern,)).fetchone() or (0, 0, None)
    return int(started), int(pending), float(last) if last is not None else None


async def _peer_runs_open(stack: Stack) -> int:
    query = f"TaskQueue = '{PEER_QUEUE}' AND ExecutionStatus = 'Running'"
    return (await stack.client.count_workflows(query)).count


async def _drain(stack: Stack, row: Row, limit: float) -> None:
    """Wait until the row's workflows have finished."""
    began = time.monotonic()
    if row.target.startswith("api"):
        await e2e.wait_drained(stack, limit=limit)
    elif row.starts:
        while time.monotonic() - began < limit:
            if not await _peer_runs_open(stack):
                break
            await asyncio.sleep(0.2)


async def _settle(
    stack: Stack, row: Row, prefix: str, limit: float, *, drain: bool = True
) -> tuple[int, float | None, dict[str, float]]:
    """Wait until every delivery of the row started (and, with `drain`, its workflows
    finished); returns (started, wall time of the last start, CPU seconds read when all had
    started)."""
    began = time.monotonic()
    started, last = 0, None
    if not row.target.startswith("api") and not row.starts:
        return started, last, procs.cpu_seconds(stack)
    while time.monotonic() - began < limit:
        started, pending, last = await asyncio.to_thread(_started, stack, row, prefix)
        if pending == 0:
            break
        await asyncio.sleep(0.2)
    at_started = procs.cpu_seconds(stack)
    if drain:
        await _drain(stack, row, max(1.0, limit - (time.monotonic() - began)))
    return started, last, at_started


# What `settle` watches by default: everything but the HTTP servers.
_QUIET = ("temporal", "worker", "postgres", "peer_worker")


@contextlib.contextmanager
def _paused(pids: list[int]) -> Iterator[None]:
    """SIGSTOP these processes for the block (SIGCONT however it ends)."""
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def _workers(stack: Stack) -> list[int]:
    """hookflow's worker processes and the peer's."""
    peer = stack.processes.get("peer_worker")
    return procs.worker_pids(stack) + ([peer.pid] if peer is not None else [])


async def measure(
    stack: Stack,
    row: Row,
    bodies: Bodies,
    *,
    seconds: float,
    connections: int,
    drain_limit: float,
    pause_workers: bool = False,
) -> Measured:
    """One row: wrk for `seconds`, then (for start paths) until every delivery started. With
    `pause_workers`, a start row's workers are stopped until every delivery has started (its
    workflows then wait, as the peer's do while its starts keep Temporal busy): the sustained
    rate of recording and starting alone."""
    pause = pause_workers and row.starts
    others = _other_api(stack, row)
    cpu_before = procs.cpu_seconds(stack)
    with _paused(others):
        with _paused(_workers(stack) if pause else []):
            result = await asyncio.to_thread(
                wrk_load.run_wrk,
                row.name,
                stack.url(row.target),
                bodies.get(row.bodies),
                SECRET.encode(),
                connections=connections,
                seconds=seconds,
                pin=stack.pin,
            )
            stack.check_alive()
            started, last, cpu_started = await _settle(
                stack, row, result.prefix, drain_limit, drain=not pause
            )
        if pause:
            await _drain(stack, row, drain_limit)
        cpu_after = procs.cpu_seconds(stack)
    acked = result.ok

    def per_delivery(cpu: dict[str, float]) -> dict[str, float]:
        used = {k: cpu[k] - cpu_before.get(k, 0.0) for k in cpu}
        hookflow = row.target.startswith("api")
        own_api = row.target if hookflow else f"peer:{row.target}"
        own_worker = "worker" if hookflow else "peer_worker"
        per = 1000 / acked if acked else float("nan")
        return {
            "api": used.get(own_api, float("nan")) * per,
            "postgres": used["postgres"] * per,
            "temporal": used["temporal"] * per,
            "worker": used.get(own_worker, 0.0) * per,
        }

    measured = Measured(
        row,
        result.rate,
        result.p50_ms,
        result.p99_ms,
        result.non_2xx,
        acked,
        per_delivery(cpu_after),
        cpu_ms_started=per_delivery(cpu_started),
    )
    if row.starts:
        measured.started = started
        if last is not None and started:
            measured.sustained = min(started, acked) / max(last - result.started_at, 1e-3)
    if others:  # the row's share left to it (the files of the row's deliveries) done first
        await settle(stack, parts=(*_QUIET, "api", "api_nolog"))
    return measured


def _other_api(stack: Stack, row: Row) -> list[int]:
    """The hookflow API a hookflow row does not load, stopped for the row: the two share the
    database, so its webhook log and dispatcher loop would do part of this row's work (the
    files of a WEBHOOK_LOG_FILES=false row among it) on the same core, counted nowhere."""
    if not row.target.startswith("api"):
        return []
    other = "api_nolog" if row.target == "api" else "api"
    if other not in stack.processes:
        return []
    return sorted({stack.processes[other].pid, *procs.api_pids(stack, other)})


async def settle(
    stack: Stack, *, below: float = 0.15, limit: float = 60.0, parts: tuple[str, ...] = ()
) -> float:
    """Wait until the stack is quiet (start-up work done: imports, schedules, search
    attributes): less than `below` cores busy for one second in `parts` (by default all but
    the HTTP servers). Returns the cores busy in the last second."""
    began = time.monotonic()
    busy = float("inf")
    while time.monotonic() - began < limit:
        before = procs.cpu_seconds(stack)
        await asyncio.sleep(1.0)
        after = procs.cpu_seconds(stack)
        busy = sum(
            after[k] - before.get(k, 0.0)
            for k in parts or _QUIET
            if k in after and after[k] == after[k]
        )
        if busy < below:
            break
    return busy


async def run_rows(
    stack: Stack,
    *,
    seconds: float,
    connections: int,
    rounds: int,
    drain_limit: float,
    rows: tuple[Row, ...] = ROWS,
    pause_workers: bool = False,
) -> list[list[Measured]]:
    """`rounds` passes over `rows` (one pass: every row once, peers and hookflow interleaved
    in the same minute, so they see the same background load)."""
    bodies = Bodies(seconds)
    # Warm-up, each row's kind once (pools, imports, caches, the first workflow starts).
    for row in rows:
        await asyncio.to_thread(
            wrk_load.run_wrk,
            "warm-up",
            stack.url(row.target),
            bodies.get(row.bodies),
            SECRET.encode(),
            connections=connections,
            seconds=1,
            pin=stack.pin,
        )
    await e2e.wait_drained(stack, limit=drain_limit)
    busy = await settle(stack)
    print(f"  stack quiet ({busy:.2f} cores busy outside the servers)", file=sys.stderr)
    passes = []
    for n in range(rounds):
        done = []
        for row in rows:
            m = await measure(
                stack,
                row,
                bodies,
                seconds=seconds,
                connections=connections,
                drain_limit=drain_limit,
                pause_workers=pause_workers,
            )
            sustained = f", sustained {m.sustained:.1f}/s" if m.sustained else ""
            print(
                f"  round {n + 1} {row.key}: {m.rate:.0f} req/s, p99 {m.p99_ms:.1f} ms, "
                f"{m.cpu_total:.2f} CPU ms/delivery{sustained}",
                file=sys.stderr,
            )
            done.append(m)
        passes.append(done)
    return passes
