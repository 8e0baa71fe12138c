"""`hookflow recover --since 24h [--dry-run]`: ask GitHub to redeliver what hookflow missed.

Runs one recovery pass in this process (DATABASE_URL, GITHUB_TOKEN or the GitHub App settings,
RECOVER_REPO_HOOKS) and prints its report as JSON: what it found and what it asked for.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from typing import Any, TextIO

from activities.github_client import GitHubIdentity
from activities.recover import hook_scopes, recover_missed
from cli.api_request import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from db.engine import make_engine, make_session_factory
from settings import ConfigError, Settings, load_settings, parse_duration


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("recover", help="redeliver webhook deliveries hookflow missed")
    parser.add_argument(
        "--since",
        default=None,
        help="how far back to look, e.g. 24h or 3d (default RECOVER_WINDOW)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="report what would be asked, ask nothing"
    )
    parser.set_defaults(func=main)


async def recover_command(
    args: argparse.Namespace,
    settings: Settings,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        window = parse_duration(args.since) if args.since else settings.recover_window
        identity = GitHubIdentity(settings)
    except (ValueError, ConfigError) as exc:
        print(f"error: {exc}", file=err)
        return EXIT_USAGE
    if not hook_scopes(settings) or not identity.configured:
        print(
            "error: nothing to check: set RECOVER_REPO_HOOKS=owner/repo:hook_id,… with "
            "GITHUB_TOKEN, or the GitHub App (GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY)",
            file=err,
        )
        return EXIT_USAGE
    engine = make_engine(settings.database_url)
    try:
        report = await recover_missed(
            settings, make_session_factory(engine), identity, window=window, dry_run=args.dry_run
        )
    finally:
        await engine.dispose()
    print(json.dumps(asdict(report) | {"asked": report.asked}, indent=2), file=out)
    return EXIT_FAILED if any(h.error for h in report.hooks) else EXIT_OK


def main(args: argparse.Namespace) -> int:
    return asyncio.run(recover_command(args, load_settings()))
