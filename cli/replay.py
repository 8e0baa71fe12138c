"""`hookflow replay DELIVERY_ID [--force]`: route a recorded delivery again with today's code.

Talks to the hookflow HTTP API (POST /api/deliveries/{id}/replay) with API_TOKEN, found at
--api-url (default http://127.0.0.1:$WEBHOOK_PORT), and prints what the replay started.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any, TextIO
from urllib.parse import quote

import httpx

from cli.api_request import ApiRequest, add_api_url_option, call_api
from settings import Settings, load_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("replay", help="route a recorded delivery again")
    add_api_url_option(parser)
    parser.add_argument("delivery_id", help="the X-GitHub-Delivery GUID")
    parser.add_argument(
        "--force",
        action="store_true",
        help="start new workflows even where the business-key ids exist",
    )
    parser.set_defaults(func=main)


async def replay_command(
    args: argparse.Namespace,
    settings: Settings,
    *,
    http: httpx.AsyncClient | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    path = f"/api/deliveries/{quote(args.delivery_id, safe='')}/replay"
    request = ApiRequest("POST", path, body={"force": args.force})
    return await call_api(
        settings, request, api_url=args.api_url, what="replay", http=http, out=out, err=err
    )


def main(args: argparse.Namespace) -> int:
    return asyncio.run(replay_command(args, load_settings()))
