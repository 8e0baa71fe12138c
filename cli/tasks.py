"""`hookflow task ack|resolve --repo o/r --issue N`: acknowledge or resolve a blocked task.

Talks to the hookflow HTTP API (POST /api/tasks/{owner}/{repo}/{issue}/acknowledge|resolve)
with API_TOKEN, found at --api-url (default http://127.0.0.1:$WEBHOOK_PORT).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any, TextIO

import httpx

from settings import Settings, load_settings

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
ENDPOINTS = {"ack": "acknowledge", "resolve": "resolve"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("task", help="acknowledge or resolve a blocked task")
    parser.add_argument("--api-url", default=None,
                        help="hookflow API base URL (default http://127.0.0.1:$WEBHOOK_PORT)")
    parser.add_argument("action", choices=sorted(ENDPOINTS))
    parser.add_argument("--repo", required=True, help="owner/name")
    parser.add_argument("--issue", required=True, type=int, help="issue number")
    parser.add_argument("--by", default="cli", help="who acknowledges (recorded)")
    parser.set_defaults(func=main)


async def task_command(
    args: argparse.Namespace, settings: Settings, *, http: httpx.AsyncClient | None = None,
    out: TextIO | None = None, err: TextIO | None = None,
) -> int:
    """Send the request; print the API's JSON answer; exit 0 on 2xx."""
    out, err = out or sys.stdout, err or sys.stderr
    token = settings.api_token_value()
    if not token:
        print("error: API_TOKEN is not set (the task API needs the bearer token)", file=err)
        return EXIT_USAGE
    if args.repo.count("/") != 1:
        print(f"error: --repo must be owner/name, got {args.repo!r}", file=err)
        return EXIT_USAGE
    base = args.api_url or f"http://127.0.0.1:{settings.webhook_port}"
    path = f"/api/tasks/{args.repo}/{args.issue}/{ENDPOINTS[args.action]}"
    own = http is None
    client = http or httpx.AsyncClient(base_url=base, timeout=30)
    try:
        response = await client.post(path, json={"by": args.by},
                                     headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        print(f"error: cannot reach the hookflow API at {base}: {exc}", file=err)
        return EXIT_FAILED
    finally:
        if own:
            await client.aclose()
    try:
        answer: Any = response.json()
    except ValueError:
        answer = {"body": response.text}
    print(json.dumps(answer, indent=2), file=out if response.is_success else err)
    return EXIT_OK if response.is_success else EXIT_FAILED


def main(args: argparse.Namespace) -> int:
    return asyncio.run(task_command(args, load_settings()))
