"""`hookflow replay DELIVERY_ID [--force]`: route a recorded delivery again with today's code.

Talks to the hookflow HTTP API (POST /api/deliveries/{id}/replay) with API_TOKEN, found at
--api-url (default http://127.0.0.1:$WEBHOOK_PORT), and prints what the replay started.
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import quote

from cli.api_request import ApiRequest, add_api_command, api_command


def request_for(args: argparse.Namespace) -> ApiRequest:
    path = f"/api/deliveries/{quote(args.delivery_id, safe='')}/replay"
    return ApiRequest("POST", path, body={"force": args.force})


replay_command = api_command("replay", request_for)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("replay", help="route a recorded delivery again")
    parser.add_argument("delivery_id", help="the X-GitHub-Delivery GUID")
    parser.add_argument(
        "--force",
        action="store_true",
        help="start new workflows even where the business-key ids exist",
    )
    add_api_command(parser, replay_command)
