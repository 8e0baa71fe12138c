"""`hookflow serve [--port N]`: the API on WEBHOOK_PORT (`--port` overrides it), via uvicorn."""

from __future__ import annotations

import argparse
from typing import Any

from ops.logs import configure_logging
from settings import load_settings


def _run(args: argparse.Namespace) -> int:
    import uvicorn

    settings = load_settings()
    configure_logging(settings)
    # log_config=None: uvicorn's lines go through hookflow's handler (LOG_FORMAT, masking).
    uvicorn.run(
        "api.main:app",
        host=args.host or settings.webhook_host,
        port=args.port or settings.webhook_port,
        log_level=settings.log_level.lower(),
        log_config=None,
    )
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve", help="run the webhook API (port from --port or WEBHOOK_PORT, default 9000)"
    )
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--host", default=None)
    parser.set_defaults(func=_run)
