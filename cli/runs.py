"""`hookflow run start --repo o/r --issue N` and `hookflow run signal RUN_ID NAME`.

Both talk to the hookflow HTTP API (POST /api/runs, POST /api/runs/{id}/signals/{name}) with
API_TOKEN, so the API's rules (one active run per issue, 400/404/409 answers) apply unchanged.
The API is found at --api-url (default http://127.0.0.1:$WEBHOOK_PORT).
"""

from __future__ import annotations

import argparse
from typing import Any

from cli.api_request import ApiRequest, add_api_command, api_command
from contract.names import HUMAN_RUN_SIGNALS as SIGNALS


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("run", help="start AI runs and signal them by hand")
    sub = parser.add_subparsers(dest="run_command", required=True)
    start = sub.add_parser("start", help="start a run on an issue (no label needed)")
    start.add_argument("--repo", required=True, help="owner/name")
    start.add_argument("--issue", required=True, type=int, help="issue number")
    start.add_argument("--mode", default="code")
    signal = sub.add_parser("signal", help=f"send {' | '.join(SIGNALS)} to a run")
    signal.add_argument("run_id")
    signal.add_argument("name", choices=SIGNALS)
    add_api_command(parser, run_command)


def request_for(args: argparse.Namespace) -> ApiRequest:
    if args.run_command == "start":
        body = {"repo": args.repo, "issueNumber": args.issue, "mode": args.mode}
        return ApiRequest("POST", "/api/runs", body=body)
    return ApiRequest("POST", f"/api/runs/{args.run_id}/signals/{args.name}")


run_command = api_command("run", request_for)
