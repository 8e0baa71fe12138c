"""`hookflow task list [--repo o/r] [--status s]` and `hookflow task ack|resolve --repo o/r
--issue N`: list tasks, acknowledge or resolve a blocked one.

Talks to the hookflow HTTP API (GET /api/tasks, POST /api/tasks/{owner}/{repo}/{issue}/
acknowledge|resolve) with API_TOKEN, found at --api-url (default http://127.0.0.1:$WEBHOOK_PORT).
"""

from __future__ import annotations

import argparse
from typing import Any

from cli.api_request import ApiRequest, add_api_command, api_command

ENDPOINTS = {"ack": "acknowledge", "resolve": "resolve"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("task", help="list tasks; acknowledge or resolve a blocked one")
    parser.add_argument("action", choices=[*sorted(ENDPOINTS), "list"])
    parser.add_argument("--repo", default=None, help="owner/name (a filter for list)")
    parser.add_argument("--issue", default=None, type=int, help="issue number (ack, resolve)")
    parser.add_argument("--status", default=None, help="list: open | blocked | closed | done")
    parser.add_argument("--limit", default=50, type=int, help="list: at most this many")
    parser.add_argument("--by", default="cli", help="who acknowledges (recorded)")
    add_api_command(parser, task_command)


def request_for(args: argparse.Namespace) -> ApiRequest | str:
    """The API call `args` ask for, or why they are not a valid task command."""
    if args.repo is not None and args.repo.count("/") != 1:
        return f"--repo must be owner/name, got {args.repo!r}"
    if args.action == "list":
        params = {"repo": args.repo, "status": args.status, "limit": args.limit}
        return ApiRequest("GET", "/api/tasks", params=params)
    if args.repo is None or args.issue is None:
        return f"task {args.action} needs --repo owner/name and --issue N"
    path = f"/api/tasks/{args.repo}/{args.issue}/{ENDPOINTS[args.action]}"
    return ApiRequest("POST", path, body={"by": args.by})


task_command = api_command("task", request_for)
