"""The console's delivery list over a million deliveries: page queries and HTTP pages timed
beside a bare `SELECT … ORDER BY processed_at DESC LIMIT 50` on the same table.

    .venv/bin/python -m bench.console_pages [--rows 1000000] [--repeat 30] [--explain]

A throwaway PostgreSQL (devstack.postgres), migrated to head, is filled with generate_series
(about a minute for 1M rows); the console's own query functions run through SQLAlchemy as the
app runs them, and `uvicorn api.main:app` serves the pages (signed in, over HTTP)."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg
from sqlalchemy import select, text
from sqlmodel import col

from bench.stack import API_TOKEN, SECRET, wait_http
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from db.models import WebhookEvent
from devstack.postgres import free_port, start_postgres
from queries.deliveries import (
    LIST_COLUMNS as PAGE_COLUMNS,
)
from queries.deliveries import (
    DeliveryFilter,
    count_matching,
    delivery_page,
    since_time,
)
from queries.keyset import Cursor

LIST_COLUMNS = (
    "id, processed_at, event_type, action, repo, delivery_id, dispatch_status, http_status, error"
)
# 1M deliveries over 30 days, 50 repositories, each row's event, action, repository and status
# drawn independently (setseed: the same table every run); 0.2 % failed, a third dispatched, the
# rest mostly ignored (most events nobody routes), 3 % rejected. Payloads are small (a real one
# is 5–25 KB, stored out of line by TOAST: the list never reads it).
FILL = """
INSERT INTO webhook_events (id, event_type, payload, signature_valid, processed_at, delivery_id,
  hook_id, dedupe_key, action, repo, body_size, http_status, dispatch_status, dispatch_plan,
  dispatch_progress, dispatch_attempts, workflow_ids, response, error)
SELECT gen_random_uuid(), r.event,
  jsonb_build_object('ref', 'refs/heads/main', 'n', g,
                     'repository', jsonb_build_object('full_name', r.repo)),
  r.status <> 'rejected',
  (now() AT TIME ZONE 'utc') - g * (interval '30 days' / %(rows)s),
  md5(g::text)::uuid::text, '1001', '1001:' || md5(g::text)::uuid::text,
  r.action, r.repo, 1200, 200, r.status,
  '[]'::jsonb, 0, 0, '[]'::jsonb,
  jsonb_build_object('status', 'ignored', 'reason', 'branch is not watched'),
  CASE WHEN r.status = 'failed' THEN 'gave up after 50 attempts' END
FROM generate_series(1, %(rows)s) AS g
CROSS JOIN LATERAL (SELECT
  (ARRAY['push','push','push','push','workflow_run','workflow_run','workflow_run','issues',
         'check_run','pull_request'])[1 + floor(random() * 10)::int + 0 * g] AS event,
  (ARRAY[NULL, 'completed', 'opened', 'labeled', 'synchronize'])[1 + floor(random() * 5)::int]
    AS action,
  'acme/repo-' || floor(random() * 50)::int AS repo,
  CASE WHEN random() < 0.002 THEN 'failed' WHEN random() < 0.03 THEN 'rejected'
       WHEN random() < 0.34 THEN 'dispatched' ELSE 'ignored' END AS status) AS r
"""


def ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"median {statistics.median(ordered) * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms"


async def timed(repeat: int, call: Callable[[], Awaitable[Any]]) -> list[float]:
    await call()  # warm: plans, caches, connections
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - start)
    return samples


def fill(admin_url: str, url: str, rows: int) -> None:
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        start = time.monotonic()
        conn.execute("SELECT setseed(0.42)")
        conn.execute(FILL, {"rows": rows})
        conn.execute("VACUUM ANALYZE webhook_events")
        print(f"filled {rows:,} deliveries in {time.monotonic() - start:.1f} s")


def serve(url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "API_TOKEN": API_TOKEN,
        "TEMPORAL_ADDRESS": "127.0.0.1:9",  # pages read the database only
        "LOG_LEVEL": "WARNING",
        "HOOKFLOW_ENV_FILE": os.devnull,
    }
    args = [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port), "--no-access-log"]
    process = subprocess.Popen(args, env=env)
    base = f"http://127.0.0.1:{port}"
    wait_http(f"{base}/healthz", process)
    return process, base


def signed_in(base: str) -> httpx.AsyncClient:
    form = httpx.get(f"{base}/console/sign-in", trust_env=False)
    token = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    answer = httpx.post(
        f"{base}/console/sign-in",
        data={"token": API_TOKEN, "csrf": token},
        cookies=form.cookies,
        trust_env=False,
    )
    assert answer.status_code == 303, answer.text
    return httpx.AsyncClient(base_url=base, cookies=answer.cookies, trust_env=False)


async def run(url: str, repeat: int, explain: bool) -> None:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    peer_sql = f"SELECT {LIST_COLUMNS} FROM webhook_events ORDER BY processed_at DESC LIMIT 50"
    now = datetime.now(UTC)
    deep = await _cursor_back(url, days=14)
    pages: dict[str, DeliveryFilter] = {
        "first page (no filter)": DeliveryFilter(),
        "status=failed": DeliveryFilter(status="failed"),
        "repo=acme/repo-7": DeliveryFilter(repo="acme/repo-7"),
        "event+action+repo+status": DeliveryFilter(
            event="workflow_run", action="completed", repo="acme/repo-11", status="dispatched"
        ),
        "since=24h, event=issues": DeliveryFilter(since=since_time("24h", now), event="issues"),
        # Nothing matches: the planner knows from its statistics that the event is rare.
        "repo + an event never seen": DeliveryFilter(repo="acme/repo-7", event="ping"),
        "delivery id prefix": DeliveryFilter(delivery_id="c4ca4238"),
        "repo+status=failed, 7d..1d": DeliveryFilter(
            repo="acme/repo-0",
            status="failed",
            since=since_time("7d", now),
            until=since_time("1d", now),
        ),
    }
    async with await psycopg.AsyncConnection.connect(url.replace("+psycopg", "")) as peer:

        async def bare() -> None:
            await (await peer.execute(peer_sql)).fetchall()

        print(f"\n{'query (50 rows)':<34} time over {repeat} runs")
        print(f"{'peer: bare SELECT … LIMIT 50':<34} {ms(await timed(repeat, bare))}")
        for name, where in pages.items():

            async def page(where: DeliveryFilter = where) -> None:
                async with sessions() as session:
                    await delivery_page(session, where)

            print(f"{'console: ' + name:<34} {ms(await timed(repeat, page))}")

        async def older_page() -> None:
            async with sessions() as session:
                await delivery_page(session, DeliveryFilter(), before=deep)

        print(f"{'console: a page 2 weeks back':<34} {ms(await timed(repeat, older_page))}")

        async def count_failed() -> None:
            async with sessions() as session:
                await count_matching(session, DeliveryFilter(status="failed", repo="acme/repo-0"))

        print(f"{'count for retry-all (repo+failed)':<34} {ms(await timed(repeat, count_failed))}")
        if explain:
            for name, where in pages.items():
                await _explain(engine, name, where)
    await engine.dispose()


async def _cursor_back(url: str, days: int) -> Cursor:
    """The position of the newest delivery older than `days`: a page deep in the list."""
    sql = (
        "SELECT processed_at, id FROM webhook_events WHERE processed_at < "
        f"(now() AT TIME ZONE 'utc') - interval '{days} days' ORDER BY processed_at DESC LIMIT 1"
    )
    async with await psycopg.AsyncConnection.connect(url.replace("+psycopg", "")) as conn:
        row = await (await conn.execute(sql)).fetchone()
    assert row is not None
    return Cursor(row[0], row[1])


async def _explain(engine: Any, name: str, where: DeliveryFilter) -> None:
    query = (
        select(*PAGE_COLUMNS)
        .where(*where.clauses())
        .order_by(col(WebhookEvent.processed_at).desc(), col(WebhookEvent.id).desc())
        .limit(51)
    )
    sql = str(query.compile(engine.sync_engine, compile_kwargs={"literal_binds": True}))
    async with engine.connect() as conn:
        plan = (await conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"))).scalars().all()
    print(f"\n-- {name}\n" + "\n".join(plan))


async def http_pages(base: str, repeat: int) -> None:
    paths = {
        "/console/deliveries": "deliveries, first page",
        "/console/deliveries?status=failed": "deliveries, status=failed",
        "/console/deliveries?repo=acme%2Frepo-7&event=push": "deliveries, repo+event",
        "/console/deliveries?repo=acme%2Frepo-7&event=ping": "repo + an event never seen",
        "/console/deliveries?q=c4ca4238": "deliveries, id search",
        "/console/": "overview (last hour, outbox, runs)",
    }
    async with signed_in(base) as client:
        print(f"\n{'HTTP page (uvicorn, signed in)':<34} time over {repeat} runs")
        for path, name in paths.items():

            async def get(path: str = path) -> None:
                answer = await client.get(path)
                assert answer.status_code == 200, (path, answer.status_code)

            print(f"{name:<34} {ms(await timed(repeat, get))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--explain", action="store_true", help="print each query's plan")
    args = parser.parse_args()
    print(f"cores {os.cpu_count()}, load {os.getloadavg()[0]:.2f}")
    server = start_postgres()
    process = None
    try:
        with psycopg.connect(server.admin_url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE console_bench")
        url = server.url("console_bench")
        upgrade(url)
        fill(server.admin_url, url, args.rows)
        asyncio.run(run(url, args.repeat, args.explain))
        process, base = serve(url)
        asyncio.run(http_pages(base, args.repeat))
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
        server.stop()


if __name__ == "__main__":
    main()
