"""`hookflow task list [--repo o/r] [--status s]` and `hookflow task ack|resolve --repo o/r
--issue N`: list tasks, acknowledge or resolve a blocked one.

Talks to the hookflow HTTP API (GET /api/tasks, POST /api/tasks/{owner}/{repo}/{issue}/
acknowledge|resolve) with API_TOKEN, found at --api-url (default http://127.0.0.1:$WEBHOOK_PORT).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any, TextIO

import httpx

from cli.api_request import EXIT_USAGE, call_api, post_to_api
from settings import Settings, load_settings

ENDPOINTS = {"ack": "acknowledge", "resolve": "resolve"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("task", help="list tasks; acknowledge or resolve a blocked one")
    parser.add_argument(
        "--api-url",
        default=None,
        help="hookflow API base URL (default http://127.0.0.1:$WEBHOOK_PORT)",
    )
    parser.add_argument("action", choices=[*sorted(ENDPOINTS), "list"])
    parser.add_argument("--repo", default=None, help="owner/name (a filter for list)")
    parser.add_argument("--issue", default=None, type=int, help="issue number (ack, resolve)")
    parser.add_argument("--status", default=None, help="list: open | blocked | closed | done")
    parser.add_argument("--limit", default=50, type=int, help="list: at most this many")
    parser.add_argument("--by", default="cli", help="who acknowledges (recorded)")
    parser.set_defaults(func=main)


async def task_command(
    args: argparse.Namespace,
    settings: Settings,
    *,
    http: httpx.AsyncClient | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Send the request; print the API's JSON answer; exit 0 on 2xx."""
    err = err or sys.stderr
    if args.repo is not None and args.repo.count("/") != 1:
        print(f"error: --repo must be owner/name, got {args.repo!r}", file=err)
        return EXIT_USAGE
    if args.action == "list":
        params = {"repo": args.repo, "status": args.status, "limit": args.limit}
        return await call_api(
            settings,
            method="GET",
            api_url=args.api_url,
            path="/api/tasks",
            params=params,
            what="task",
            http=http,
            out=out or sys.stdout,
            err=err,
        )
    if args.repo is None or args.issue is None:
        print(f"error: task {args.action} needs --repo owner/name and --issue N", file=err)
        return EXIT_USAGE
    path = f"/api/tasks/{args.repo}/{args.issue}/{ENDPOINTS[args.action]}"
    return await post_to_api(
        settings,
        api_url=args.api_url,
        path=path,
        body={"by": args.by},
        what="task",
        http=http,
        out=out or sys.stdout,
        err=err,
    )


def main(args: argparse.Namespace) -> int:
    return asyncio.run(task_command(args, load_settings()))
