"""`hookflow silence add|list|expire`: silence notifications by their labels for a while.

    hookflow silence add repo=acme/api type=ci_failure --duration 2h --comment "outage #12"
    hookflow silence list --state active
    hookflow silence expire 6f1c…

Talks to the hookflow HTTP API (POST/GET /api/silences, DELETE /api/silences/{id}) with
API_TOKEN, found at --api-url (default http://127.0.0.1:$WEBHOOK_PORT).
"""

from __future__ import annotations

import argparse
import getpass
from datetime import UTC, datetime
from typing import Any

from cli.api_request import ApiRequest, add_api_command, api_command
from contract.statuses import SilenceState
from notify.matchers import MatcherError
from notify.silences import silence_matchers
from settings import parse_duration


def _start(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _add(args: argparse.Namespace) -> ApiRequest | str:
    try:
        matchers = silence_matchers(args.matchers)
    except MatcherError as exc:
        return str(exc)
    try:
        duration = parse_duration(args.duration)
        starts = _start(args.start)
    except ValueError as exc:
        return str(exc)
    if not duration:
        return "--duration must be longer than 0s"
    body: dict[str, Any] = {
        "matchers": [str(m) for m in matchers],
        "startsAt": starts.isoformat(),
        "endsAt": (starts + duration).isoformat(),
        "createdBy": args.author,
        "comment": args.comment,
        "endsWhenResolved": args.ends_when_resolved,
    }
    return ApiRequest("POST", "/api/silences", body=body)


def request_for(args: argparse.Namespace) -> ApiRequest | str:
    """The API call `args` ask for, or why they are not a valid silence command."""
    if args.silence_command == "add":
        return _add(args)
    if args.silence_command == "list":
        params = {"state": args.state, "limit": args.limit}
        return ApiRequest("GET", "/api/silences", params=params)
    return ApiRequest("DELETE", f"/api/silences/{args.id}")


silence_command = api_command("silence", request_for)


def _default_author() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("silence", help="silence notifications by their labels")
    sub = parser.add_subparsers(dest="silence_command", required=True)
    add = sub.add_parser("add", help="create a silence")
    add.add_argument(
        "matchers",
        nargs="+",
        help='label matchers: repo=acme/api, type="ci_failure", branch=~"release/.*", …',
    )
    add.add_argument("--duration", required=True, help="how long: 30m, 2h, 1d")
    add.add_argument("--comment", required=True, help="why (shown with the silence)")
    add.add_argument("--author", default=_default_author(), help="who (default: your login)")
    add.add_argument("--start", default=None, help="ISO time it starts (default: now)")
    add.add_argument(
        "--ends-when-resolved",
        action="store_true",
        help="end it as soon as the CI groups it silences turn green",
    )
    listing = sub.add_parser("list", help="list silences")
    listing.add_argument("--state", choices=[s.value for s in SilenceState], default=None)
    listing.add_argument("--limit", type=int, default=100)
    expire = sub.add_parser("expire", help="end a silence now")
    expire.add_argument("id")
    add_api_command(parser, silence_command)
