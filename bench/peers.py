"""Peer webhook endpoints hookflow is measured against: raw ASGI apps served by uvicorn like the
API, written the way a user would write them by hand.

    python -m bench.peers --mode bare|commit|group|start --port 9101 [--dsn postgresql://…]

- bare:   HMAC check + `json.loads`, nothing stored (the HTTP + parsing floor);
- commit: bare + `INSERT … ON CONFLICT DO NOTHING` (JSONB) and one commit per request,
          on a psycopg connection pool — the plain durable endpoint;
- group:  the same rows gathered ≤ 2 ms into one multi-row INSERT and one commit, each
          request answered after its batch's commit (delivery/group_commit.py), written at
          once when every request being received has submitted (hookflow's early flush);
- start:  group, then after the answer a one-activity workflow (bench/peer_worker.py) started
          with the Temporal client (TEMPORAL_ADDRESS) and the row marked dispatched.
Every 2xx of the durable peers is a committed row.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn
from psycopg_pool import AsyncConnectionPool
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy

from delivery.group_commit import GroupCommit
from delivery.signature import verify_signature

TABLE = "peer_events"
PEER_WORKFLOW = "PeerWorkflow"
PEER_QUEUE = "hookflow-bench-peer"
# Created once by the bench (bench/stack.py) before the peers start.
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id bigserial PRIMARY KEY,
    dedupe_key varchar(220) NOT NULL UNIQUE,
    event_type varchar(100) NOT NULL,
    payload jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    dispatched_at timestamptz
)"""
Row = tuple[str, str, str]  # dedupe key, event, payload text
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def _insert_sql(rows: int) -> str:
    values = ", ".join(["(%s, %s, %s::jsonb)"] * rows)
    return (
        f"INSERT INTO {TABLE} (dedupe_key, event_type, payload) VALUES {values} "
        "ON CONFLICT (dedupe_key) DO NOTHING"
    )


async def _answer(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Peer:
    """One peer endpoint (an ASGI app)."""

    def __init__(self, *, mode: str, secret: bytes, dsn: str | None) -> None:
        self.mode = mode
        self.secret = secret
        self.pool = AsyncConnectionPool(dsn, min_size=4, max_size=20, open=False) if dsn else None
        # Requests being received: once all have submitted, the batch goes without waiting
        # out the window — the same early flush hookflow's group commit has.
        self.receiving = 0
        self.batches: GroupCommit[Row, None] = GroupCommit(
            self.write, window=0.002, complete=lambda items: items >= self.receiving
        )
        self.temporal: Client | None = None
        self.starts: set[asyncio.Task[None]] = set()

    async def write(self, rows: list[Row]) -> list[None]:
        assert self.pool is not None
        async with self.pool.connection() as conn:  # commits on leaving the block
            await conn.execute(_insert_sql(len(rows)), [v for row in rows for v in row])
        return [None] * len(rows)

    async def start(self, key: str) -> None:
        """Start the row's workflow, then mark the row dispatched."""
        assert self.temporal is not None and self.pool is not None
        await self.temporal.start_workflow(
            PEER_WORKFLOW,
            key,
            id=f"peer-{key}",
            task_queue=PEER_QUEUE,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
        async with self.pool.connection() as conn:
            await conn.execute(
                f"UPDATE {TABLE} SET dispatched_at = clock_timestamp() WHERE dedupe_key = %s",
                (key,),
            )

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.pool is not None:
                    await self.pool.open(wait=True)
                if self.mode == "start":
                    self.temporal = await Client.connect(os.environ["TEMPORAL_ADDRESS"])
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.batches.close()
                if self.starts:
                    await asyncio.gather(*self.starts, return_exceptions=True)
                if self.pool is not None:
                    await self.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["method"] == "GET" and scope["path"] == "/healthz":
            await _answer(send, 200, b'{"status":"ok"}')
            return
        if scope["method"] != "POST":
            await _answer(send, 405, b'{"status":"method not allowed"}')
            return
        self.receiving += 1
        try:
            await self.receive_delivery(receive, send, dict(scope["headers"]))
        finally:
            self.receiving -= 1
            self.batches.nudge()

    async def receive_delivery(
        self, receive: Receive, send: Send, headers: dict[bytes, bytes]
    ) -> None:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        signature = headers.get(b"x-hub-signature-256")
        if not verify_signature(body, signature.decode() if signature else None, [self.secret]):
            await _answer(send, 401, b'{"status":"unauthorized"}')
            return
        payload: Any = json.loads(body)
        if not isinstance(payload, dict):
            await _answer(send, 400, b'{"status":"rejected"}')
            return
        key = (
            f"{headers.get(b'x-github-hook-id', b'').decode()}:"
            f"{headers.get(b'x-github-delivery', b'').decode()}"
        )
        row = (key, headers.get(b"x-github-event", b"unknown").decode(), body.decode())
        if self.mode == "commit":
            await self.write([row])
        elif self.mode in ("group", "start"):
            await self.batches.submit(row)
        await _answer(send, 200, b'{"status":"accepted"}')
        if self.mode == "start":
            task = asyncio.create_task(self.start(key))
            self.starts.add(task)
            task.add_done_callback(self.starts.discard)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peers", description=__doc__)
    parser.add_argument("--mode", choices=("bare", "commit", "group", "start"), required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dsn", default=None, help="PostgreSQL URL (durable modes)")
    args = parser.parse_args(argv)
    secret = os.environ.get("GITHUB_WEBHOOK_SECRET", "").encode()
    if not secret or (args.mode != "bare" and not args.dsn):
        print("peers: set GITHUB_WEBHOOK_SECRET (and --dsn for durable modes)", file=sys.stderr)
        return 2
    app = Peer(mode=args.mode, secret=secret, dsn=args.dsn)
    # Loopback only, no access log: the same serving setup the bench gives hookflow.
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
