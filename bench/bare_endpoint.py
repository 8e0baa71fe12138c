"""A webhook endpoint that only reads the body and checks the signature: the benchmark's floor.

Served the way the real API is (uvicorn, one process) so that
`webhook_latency --compare-bare` measures what recording, routing and starting workflows add.
Run: `python -m bench.bare_endpoint --port 9100` with GITHUB_WEBHOOK_SECRET set.
"""

from __future__ import annotations

import argparse
import sys

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from delivery.signature import verify_signature
from settings import ConfigError, load_settings


def create_app(*, secrets: list[bytes]) -> FastAPI:
    """The bare app: 200 for a valid signature on any POST path, 401 otherwise."""
    app = FastAPI(title="hookflow bare webhook endpoint", docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Process up."""
        return {"status": "ok"}

    @app.post("/{path:path}")
    async def receive(request: Request, path: str) -> JSONResponse:
        """Read the raw body and verify X-Hub-Signature-256; nothing else."""
        body = await request.body()
        if not verify_signature(body, request.headers.get("x-hub-signature-256"), secrets):
            return JSONResponse({"status": "unauthorized"}, status_code=401)
        return JSONResponse({"status": "accepted"})

    return app


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
    uvicorn.run(
        create_app(secrets=secrets), host="127.0.0.1", port=args.port, log_level=args.log_level
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
