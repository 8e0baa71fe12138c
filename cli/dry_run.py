"""`hookflow test PAYLOAD.json`: seed 002's test mode — classify a payload, send nothing."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cli.preview import run_preview
from settings import load_settings


def _run(args: argparse.Namespace) -> int:
    return run_preview(Path(args.payload), load_settings(), event=args.event)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "test",
        help="show the notifications a payload file would produce (no database, network, "
        "Temporal)",
        description="Classify PAYLOAD.json (a webhook body with an added \"_event_type\") and "
        "print the notification, AI Maestro message, chat body and log file it would produce.",
    )
    parser.add_argument("payload", metavar="PAYLOAD.json")
    parser.add_argument("--event", help="the X-GitHub-Event to assume instead of _event_type")
    parser.set_defaults(func=_run)
