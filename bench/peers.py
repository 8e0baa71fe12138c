"""Peer webhook endpoints hookflow is measured against, served by uvicorn like the API.

    python -m bench.peers --mode bare|commit|group --port 9101 [--dsn postgresql://…]

- bare:   HMAC check + `json.loads`, nothing stored (the HTTP + parsing floor);
- commit: bare + `INSERT … ON CONFLICT DO NOTHING` (JSONB) and one commit per request,
          on a psycopg connection pool — the plain durable endpoint;
- group:  the same rows gathered ≤ 2 ms into one multi-row INSERT and one commit, each
          request answered after its batch's commit (delivery/group_commit.py).
Every 2xx of the durable peers is a committed row.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool

from bench.bare_endpoint import signed_app
from delivery.group_commit import GroupCommit

TABLE = "peer_events"
# Created once by the bench (bench/stack.py) before the peers start.
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id bigserial PRIMARY KEY,
    dedupe_key varchar(220) NOT NULL UNIQUE,
    event_type varchar(100) NOT NULL,
    payload jsonb NOT NULL,
    received_at timestamp NOT NULL DEFAULT now()
)"""
Row = tuple[str, str, str]  # dedupe key, event, payload text


def _insert_sql(rows: int) -> str:
    values = ", ".join(["(%s, %s, %s::jsonb)"] * rows)
    return (
        f"INSERT INTO {TABLE} (dedupe_key, event_type, payload) VALUES {values} "
        "ON CONFLICT (dedupe_key) DO NOTHING"
    )


def create_app(*, mode: str, secret: bytes, dsn: str | None) -> FastAPI:
    pool = AsyncConnectionPool(dsn, min_size=4, max_size=20, open=False) if dsn else None

    async def write(rows: list[Row]) -> list[None]:
        assert pool is not None
        async with pool.connection() as conn:  # commits on leaving the block
            await conn.execute(_insert_sql(len(rows)), [v for row in rows for v in row])
        return [None] * len(rows)

    batches: GroupCommit[Row, None] = GroupCommit(write, window=0.002)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if pool is not None:
            await pool.open(wait=True)
        yield
        await batches.close()
        if pool is not None:
            await pool.close()

    async def accept(request: Request, body: bytes) -> JSONResponse:
        """Parse and (durable modes) store one delivery."""
        payload: Any = json.loads(body)
        if not isinstance(payload, dict):
            return JSONResponse({"status": "rejected"}, status_code=400)
        row = (
            f"{request.headers.get('x-github-hook-id')}:{request.headers.get('x-github-delivery')}",
            request.headers.get("x-github-event") or "unknown",
            body.decode(),
        )
        if mode == "commit":
            await write([row])
        elif mode == "group":
            await batches.submit(row)
        return JSONResponse({"status": "accepted"})

    return signed_app(f"peer {mode}", [secret], accept, lifespan=lifespan)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peers", description=__doc__)
    parser.add_argument("--mode", choices=("bare", "commit", "group"), required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dsn", default=None, help="PostgreSQL URL (commit and group modes)")
    args = parser.parse_args(argv)
    secret = os.environ.get("GITHUB_WEBHOOK_SECRET", "").encode()
    if not secret or (args.mode != "bare" and not args.dsn):
        print("peers: set GITHUB_WEBHOOK_SECRET (and --dsn for durable modes)", file=sys.stderr)
        return 2
    app = create_app(mode=args.mode, secret=secret, dsn=args.dsn)
    # Loopback only, no access log: the same serving setup the bench gives hookflow.
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
