"""A webhook endpoint that only reads the body and checks the signature: the benchmark's floor.

Served the way the real API is (uvicorn, one process) so that
`webhook_latency --compare-bare` measures what recording, routing and starting workflows add.
Run: `python -m bench.bare_endpoint --port 9100` with GITHUB_WEBHOOK_SECRET set, or from Python
as `BareEndpoint` (a subprocess on a free loopback port).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from delivery.signature import verify_signature
from devstack.postgres import free_port
from settings import ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


# What a signed delivery gets: the request and its raw body in, the answer out.
Accept = Callable[[Request, bytes], Awaitable[JSONResponse]]


def signed_app(title: str, secrets: list[bytes], accept: Accept, **fastapi: Any) -> FastAPI:
    """GET /healthz, and POST on any path: 401 unless X-Hub-Signature-256 verifies, else what
    `accept` answers (the bare endpoint here, the peers in bench/peers.py)."""
    app = FastAPI(title=title, docs_url=None, redoc_url=None, **fastapi)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Process up."""
        return {"status": "ok"}

    @app.post("/{path:path}")
    async def receive(request: Request, path: str) -> JSONResponse:
        """Read the raw body and verify X-Hub-Signature-256, then accept it."""
        body = await request.body()
        if not verify_signature(body, request.headers.get("x-hub-signature-256"), secrets):
            return JSONResponse({"status": "unauthorized"}, status_code=401)
        return await accept(request, body)

    return app


async def _accepted(request: Request, body: bytes) -> JSONResponse:
    return JSONResponse({"status": "accepted"})


def create_app(*, secrets: list[bytes]) -> FastAPI:
    """The bare app: 200 for a valid signature on any POST path, 401 otherwise."""
    return signed_app("hookflow bare webhook endpoint", secrets, _accepted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_endpoint", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    # info (access log on) matches how `uvicorn api.main:app` serves the real API.
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    try:
        secrets = load_settings().webhook_secrets
    except ConfigError as exc:
        print(f"bare_endpoint: {exc}", file=sys.stderr)
        return 2
    if not secrets:
        print("bare_endpoint: set GITHUB_WEBHOOK_SECRET (or _FILE)", file=sys.stderr)
        return 2
    # Loopback only: this endpoint exists to be measured, never to be exposed.
    uvicorn.run(create_app(secrets=secrets), host=HOST, port=args.port, log_level=args.log_level)
    return 0


class BareEndpoint:
    """bench/bare_endpoint.py in a uvicorn subprocess on a free loopback port."""

    def __init__(self, *, secret: str, path: str) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}{path}"
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
        health = f"http://{HOST}:{self.port}/healthz"
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


if __name__ == "__main__":
    sys.exit(main())
