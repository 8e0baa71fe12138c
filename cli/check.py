"""`hookflow check [--repo owner/name …] [--ping] [--json]`: validate the configuration, then each
connection and permission the deployment needs; one line per check, exit status 1 on any FAIL."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any


def _run(args: argparse.Namespace) -> int:
    from checks.config import load
    from checks.github import repos_to_check
    from checks.result import exit_status, render_json, render_text
    from checks.runner import report

    settings, loaded = load()
    if settings is None:
        code = exit_status(loaded)
        text = (render_json if args.json else render_text)(loaded)
    else:
        repos = repos_to_check(settings, args.repo)
        code, text = asyncio.run(
            report(settings, repos=repos, ping=args.ping, as_json=args.json, loaded=loaded)
        )
    sys.stdout.write(text)
    sys.stdout.flush()
    return code


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check the configuration, database, Temporal, GitHub and sinks of a deployment",
    )
    parser.add_argument(
        "--repo",
        action="append",
        default=[],
        metavar="OWNER/NAME",
        help="a repository to check (repeatable; default: ALLOWED_REPOS)",
    )
    parser.add_argument(
        "--ping",
        action="store_true",
        help="ask GitHub to ping each hook and check the fresh delivery's signature",
    )
    parser.add_argument("--json", action="store_true", help="one JSON document instead of lines")
    parser.set_defaults(func=_run)
