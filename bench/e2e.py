"""End-to-end latencies at a gentle delivery rate: webhook → workflow started, run RUNNING,
notification recorded (its row), message received by AI Maestro (the fake's own receive
time), and each notification's hops from the Temporal histories (bench/hops.py)."""

from __future__ import annotations

import asyncio
import copy
import time
import uuid
from datetime import UTC
from typing import Any

import httpx
import psycopg

from bench import hops
from bench.payloads import REPO, body_of, fixture, headers, issues_labeled, workflow_run
from bench.stack import SECRET, Stack

KINDS = ("ai_run", "ci_success", "pr_created", "task_blocked", "ci_failure_first")


def _pct(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * int(pct) // 100) - 1)]


def _delivery(kind: str, n: int, token: str) -> tuple[str, dict[str, Any]]:
    """(event, payload) for one delivery of `kind`; `token` appears in its message."""
    if kind == "ai_run":
        return "issues", issues_labeled(500_000 + n, "ai:run")
    if kind == "ci_success":
        return "workflow_run", workflow_run("success", name=token, run_number=n)
    if kind == "ci_failure_first":
        return "workflow_run", workflow_run("failure", name=token, run_number=n)
    if kind == "pr_created":
        payload = copy.deepcopy(fixture("pull_request.opened.json"))
        payload["pull_request"].update(title=token, number=n, body="bench")
        payload["number"] = n
        return "pull_request", payload
    payload = copy.deepcopy(fixture("issues.labeled_blocked.json"))
    payload["issue"].update(title=token, number=700_000 + n)
    return "issues", payload


async def measure(stack: Stack, *, rate: float, seconds: float) -> dict[str, dict[str, Any]]:
    """Send `rate` deliveries/s for `seconds`, cycling through KINDS; gather latencies."""
    secret = SECRET.encode()
    sent: list[tuple[str, str, float, dict[str, Any]]] = []  # kind, token, t0, response
    total = int(rate * seconds)
    async with httpx.AsyncClient(timeout=10, trust_env=False) as client:
        began = time.perf_counter()
        tasks = []

        async def one(i: int) -> None:
            kind = KINDS[i % len(KINDS)]
            token = f"bench-{uuid.uuid4().hex[:10]}"
            event, payload = _delivery(kind, i, token)
            body = body_of(payload)
            h = headers(body, event, secret, delivery=token)
            t0 = time.time()
            response = await client.post(stack.url("api"), content=body, headers=h)
            answer = response.json() | {"_status": response.status_code, "_acked": time.time()}
            sent.append((kind, token, t0, answer))

        for i in range(total):
            delay = began + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
    await asyncio.sleep(5)  # the slowest messages and runs land
    return await _collect(stack, sent)


async def _collect(
    stack: Stack,
    sent: list[tuple[str, str, float, dict[str, Any]]],
) -> dict[str, dict[str, Any]]:
    assert stack.temporal is not None
    client = stack.temporal.client
    started: list[float] = []
    running: list[float] = []
    messages: dict[str, list[float]] = {k: [] for k in KINDS if k != "ai_run"}
    recorded: list[float] = []
    sent_all: list[float] = []
    timelines: list[hops.Timeline] = []
    missing: dict[str, int] = {k: 0 for k in KINDS}
    received = list(stack.maestro.received)
    with psycopg.connect(stack.database_url.replace("+psycopg", "")) as conn:
        for kind, token, t0, response in sent:
            if kind == "ai_run":
                run_id = response.get("runId")
                row = (
                    conn.execute(
                        "SELECT workflow_id, started_at FROM runs WHERE id = %s", (run_id,)
                    ).fetchone()
                    if run_id
                    else None
                )
                if row is None or row[1] is None:
                    missing[kind] += 1
                    continue
                desc = await client.get_workflow_handle(row[0]).describe()
                started.append((desc.start_time.timestamp() - t0) * 1000)
                running.append((row[1].replace(tzinfo=UTC).timestamp() - t0) * 1000)
                continue
            at = next((t for t, text in received if token in text), None)
            if at is None:
                missing[kind] += 1
            else:
                messages[kind].append((at - t0) * 1000)
                sent_all.append((at - t0) * 1000)
            row = conn.execute(
                "SELECT extract(epoch FROM created_at), workflow_id, dedupe_key FROM notifications"
                " WHERE delivery_id = %s ORDER BY created_at LIMIT 1",
                (token,),
            ).fetchone()
            if row is None:
                continue
            recorded.append((float(row[0]) - t0) * 1000)
            if row[1]:
                try:
                    timelines.append(
                        await hops.notification_timeline(
                            client,
                            kind,
                            row[1],
                            key=row[2],
                            sent=t0,
                            acked=response["_acked"],
                            recorded=float(row[0]),
                            received=at,
                        )
                    )
                except (StopIteration, RuntimeError) as exc:  # history not as expected
                    print(f"  no hops for {row[1]}: {exc!r}")
    out: dict[str, dict[str, Any]] = {}

    def add(name: str, values: list[float], kind: str) -> None:
        out[name] = {
            "n": len(values),
            "missing": missing[kind],
            **{f"p{p}_ms": _pct(values, p) for p in (50, 90, 99)},
            "max_ms": max(values) if values else None,
        }

    add("RunWorkflow started", started, "ai_run")
    add("run RUNNING in the DB", running, "ai_run")
    missing["notifications"] = sum(v for k, v in missing.items() if k != "ai_run")
    add("notification recorded (all kinds)", recorded, "notifications")
    add("AI Maestro received (all kinds)", sent_all, "notifications")
    for kind, values in messages.items():
        add(f"AI Maestro received: {kind}", values, kind)
    out["hops"] = hops.summarize(timelines)
    return out


def render(latencies: dict[str, dict[str, Any]]) -> str:
    def ms(value: float | None) -> str:
        return "–" if value is None else f"{value:.0f}"

    lines = [
        "| webhook → | n | p50 ms | p90 ms | p99 ms | max ms | missing |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in latencies.items():
        if name == "hops":
            continue
        lines.append(
            f"| {name} | {r['n']} | {ms(r['p50_ms'])} | {ms(r['p90_ms'])} | "
            f"{ms(r['p99_ms'])} | {ms(r['max_ms'])} | {r['missing']} |"
        )
    return "\n".join(lines)


async def wait_drained(stack: Stack, *, limit: float) -> float:
    """Seconds until no delivery is pending dispatch and no run is still starting."""
    began = time.monotonic()
    url = stack.database_url.replace("+psycopg", "")
    while time.monotonic() - began < limit:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM webhook_events WHERE dispatch_status = 'pending'),"
                " (SELECT count(*) FROM runs WHERE status IN ('RECEIVED', 'RUNNING'))"
            ).fetchone()
        if row is not None and row[0] == 0 and row[1] == 0:
            return time.monotonic() - began
        await asyncio.sleep(0.5)
    return float("nan")


__all__ = ["KINDS", "REPO", "measure", "render", "wait_drained"]
