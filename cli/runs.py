"""`hookflow run start --repo o/r --issue N` and `hookflow run signal RUN_ID NAME`.

Both talk to the hookflow HTTP API (POST /api/runs, POST /api/runs/{id}/signals/{name}) with
API_TOKEN, so the API's rules (one active run per issue, 400/404/409 answers) apply unchanged.
The API is found at --api-url (default http://127.0.0.1:$WEBHOOK_PORT).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any, TextIO

import httpx

from cli.api_request import ApiRequest, add_api_url_option, call_api
from settings import Settings, load_settings
from workflows.run.signals import SIGNALS


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("run", help="start AI runs and signal them by hand")
    add_api_url_option(parser)
    sub = parser.add_subparsers(dest="run_command", required=True)
    start = sub.add_parser("start", help="start a run on an issue (no label needed)")
    start.add_argument("--repo", required=True, help="owner/name")
    start.add_argument("--issue", required=True, type=int, help="issue number")
    start.add_argument("--mode", default="code")
    signal = sub.add_parser("signal", help=f"send {' | '.join(SIGNALS)} to a run")
    signal.add_argument("run_id")
    signal.add_argument("name", choices=SIGNALS)
    parser.set_defaults(func=main)


def request_for(args: argparse.Namespace) -> ApiRequest:
    if args.run_command == "start":
        body = {"repo": args.repo, "issueNumber": args.issue, "mode": args.mode}
        return ApiRequest("POST", "/api/runs", body=body)
    return ApiRequest("POST", f"/api/runs/{args.run_id}/signals/{args.name}")


async def run_command(
    args: argparse.Namespace,
    settings: Settings,
    *,
    http: httpx.AsyncClient | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Send the request; print the API's JSON answer; exit 0 on 2xx."""
    return await call_api(
        settings, request_for(args), api_url=args.api_url, what="run", http=http, out=out, err=err
    )


def main(args: argparse.Namespace) -> int:
    return asyncio.run(run_command(args, load_settings()))
