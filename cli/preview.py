"""`hookflow preview PAYLOAD.json` (also `hookflow test`, `hookflow --test`): show everything a
payload would do — the reply, the workflows it starts (cli/preview_plan.py), seed 002's table
row and each notification's messages — sending and writing nothing.

The payload file is a GitHub webhook body with an added `"_event_type"`.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from cli.preview_plan import decide as route_payload
from cli.preview_plan import plan_lines, seed_row
from notify.aimaestro import build_message, messages_url
from notify.chat import build_chat_body
from notify.config import repository_overrides
from notify.decide import decide
from notify.env_config import configured
from notify.logfile import LATEST, build_log_document, log_file_name
from notify.matchers import labels_of
from notify.problems import ConfigInvalid
from routing.config import routing_config
from routing.notifications import classify_with, validate_priority_overrides
from settings import Settings, load_settings

EXIT_OK = 0
EXIT_INVALID = 2
PREVIEW_DELIVERY_ID = "preview"


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def load_payload(path: Path, event: str | None = None) -> tuple[str, dict[str, Any]]:
    """Read a payload file; raise ValueError with a message fit for the user when it is unusable."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text") from None
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(payload, dict):
        raise ValueError(f"{path} must hold a JSON object, not {type(payload).__name__}")
    named = payload.pop("_event_type", None)
    chosen = event or named
    if not isinstance(chosen, str) or not chosen.strip():
        raise ValueError(
            f'{path} has no "_event_type" (add e.g. "_event_type": "workflow_run", '
            "the value GitHub sends as X-GitHub-Event)"
        )
    return chosen.strip(), payload


def run_preview(
    path: Path,
    settings: Settings,
    *,
    event: str | None = None,
    now: datetime | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Classify a payload file and print the notifications it would send; returns an exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        event_type, payload = load_payload(path, event)
        notify = configured(settings)
    except (ValueError, ConfigInvalid) as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    repository = payload.get("repository")
    repo = repository.get("full_name") if isinstance(repository, dict) else None
    try:
        validate_priority_overrides(settings.priority_overrides)
        config = routing_config(settings, repository_overrides(notify))
        decision = route_payload(event_type, payload, config)
        result = classify_with(
            config, event_type, payload, repo=repo if isinstance(repo, str) else None
        )
    except ValueError as exc:
        print(f"error: PRIORITY_MAP: {exc}", file=err)
        return EXIT_INVALID

    action = payload.get("action")
    print(f"Payload: {path}", file=out)
    print(
        f"Event: {event_type}"
        + (f" (action: {action})" if action else "")
        + (f", repository: {repo}" if repo else ""),
        file=out,
    )
    for line in plan_lines(decision, settings):
        print(line, file=out)
    if not result.notifications:
        if decision.status == "accepted":
            print(f"Notifications: none ({result.reason})", file=out)
            print("\nPreview: nothing was sent or written.", file=out)
        return EXIT_OK

    count = len(result.notifications)
    print("Seed table (GitHub Event | Notification Type | Priority | Trigger Condition):", file=out)
    for n in result.notifications:
        print(f"  {seed_row(n, settings.watched_branch_set)}", file=out)
    print(f"Notifications: {count}", file=out)
    when = now or datetime.now(UTC)
    log_dir = settings.log_path
    for i, n in enumerate(result.notifications, 1):
        print(f"\n=== Notification {i} of {count}: {n.type} (priority {n.priority}) ===", file=out)
        print(f"Rule: {n.rule}", file=out)
        print(f"Summary: {n.summary}", file=out)
        print(f"Group key: {n.group_key}", file=out)
        plan = decide(notify, labels_of(n.to_dict()), now=when)
        for r in plan.receivers:
            print(f"Receiver: {r.receiver} ({r.route}, {r.status})", file=out)

        base = settings.aimaestro_url or "$AIMAESTRO_URL"
        note = "" if settings.aimaestro_url else " (AIMAESTRO_URL is not set: would not be sent)"
        print(f"\n--- AI Maestro message: POST {messages_url(base)}{note} ---", file=out)
        message = build_message(n, sender=settings.aimaestro_from, recipient=settings.aimaestro_to)
        print(_dump(message), file=out)

        if settings.notify_webhook_url_value():
            fmt = settings.notify_webhook_format
            # The URL is a credential (whoever has it can post): named, never printed.
            print(f"\n--- Chat webhook ({fmt}): POST $NOTIFY_WEBHOOK_URL ---", file=out)
            print(_dump(build_chat_body(n, fmt)), file=out)

        name = log_file_name(event_type, when)
        print(f"\n--- Log file: {log_dir / name} (and {LATEST}) ---", file=out)
        document = build_log_document(
            event=event_type,
            notification=n,
            payload_summary=n.payload_summary,
            when=when,
            key=PREVIEW_DELIVERY_ID,
            delivery_id=PREVIEW_DELIVERY_ID,
        )
        print(_dump(document), file=out)
    print("\nPreview: nothing was sent or written.", file=out)
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    return run_preview(Path(args.payload), load_settings(), event=args.event)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "preview",
        aliases=["test"],  # the name of the original `--test` mode, kept working
        help="show what a payload file would start and notify (no database, network, Temporal)",
        description='Route PAYLOAD.json (a webhook body with an added "_event_type", or --event) '
        "and print the reply, the workflows it would start, and the notification, AI Maestro "
        "message, chat body and log file it would produce.",
    )
    parser.add_argument("payload", metavar="PAYLOAD.json")
    parser.add_argument("--event", help="the X-GitHub-Event to assume instead of _event_type")
    parser.set_defaults(func=_run)
