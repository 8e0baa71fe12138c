"""`hookflow notify check-config FILE` and `hookflow notify test --labels …`.

check-config (like `amtool check-config`) prints every error of a NOTIFY_CONFIG file with its
path in the file and exits 1, or a summary and 0. test prints where a notification with those
labels would go now: its receivers, the route and intervals of each, a time interval muting it,
and the active silence (read through the API) that silences it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import httpx

from cli.api_request import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from notify.config import NotifyConfig
from notify.config_file import read_config_file
from notify.decide import config_label, decide
from notify.env_config import configured, route_defaults
from notify.matchers import LABELS, MatcherError, parse_labels
from notify.problems import ConfigInvalid
from notify.silences import SilenceView, silence_matchers
from settings import Settings, format_duration, load_settings


def check_config(path: Path, settings: Settings, out: TextIO) -> int:
    try:
        config = read_config_file(path, route_defaults(settings))
    except ConfigInvalid as exc:
        print(f"{path}: {len(exc.problems)} error(s)", file=out)
        for problem in exc.problems:
            print(f"  {problem}", file=out)
        return EXIT_FAILED
    routes = len(config.route.walk())
    print(
        f"{path}: OK — {len(config.receivers)} receiver(s), {routes} route(s), "
        f"{len(config.time_intervals)} time interval(s), "
        f"{len(config.repositories)} repository override(s)",
        file=out,
    )
    return EXIT_OK


async def active_silences(
    settings: Settings, api_url: str | None, http: httpx.AsyncClient | None = None
) -> tuple[list[SilenceView], str | None]:
    """The active silences from the API, or none and why they could not be read."""
    token = settings.api_token_value()
    if not token:
        return [], "API_TOKEN is not set"
    base = api_url or f"http://127.0.0.1:{settings.webhook_port}"
    client = http or httpx.AsyncClient(base_url=base, timeout=10)
    try:
        response = await client.get(
            "/api/silences",
            params={"state": "active", "limit": 200},
            headers={"Authorization": f"Bearer {token}"},
        )
        response.raise_for_status()
        items = response.json()["data"]
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        return [], f"cannot read silences from {base}: {exc}"
    finally:
        if http is None:
            await client.aclose()
    views = []
    for s in items:
        try:
            views.append(
                SilenceView(
                    datetime.fromisoformat(s["startsAt"]),
                    datetime.fromisoformat(s["endsAt"]),
                    id=s["id"],
                    matchers=silence_matchers(s["matchers"]),
                    ends_when_resolved=bool(s.get("endsWhenResolved")),
                )
            )
        except (KeyError, ValueError, MatcherError):
            continue
    return views, None


def _describe(
    config: NotifyConfig,
    labels: dict[str, str],
    silences: list[SilenceView],
    now: datetime,
    out: TextIO,
) -> None:
    plan = decide(config, labels, silences=silences, now=now)
    t = plan.timing
    shown = ", ".join(f"{k}={v}" for k, v in labels.items() if v)
    print(f"Labels: {shown or '(none)'}", file=out)
    print(f"Config: {config_label(config)}", file=out)
    print(
        f"Timing: group_wait {format_duration_s(t.group_wait_seconds)}, group_interval "
        f"{format_duration_s(t.group_interval_seconds)}, repeat_interval "
        f"{format_duration_s(t.repeat_interval_seconds)}, group_by {', '.join(t.group_by)}",
        file=out,
    )
    print(f"At {now.isoformat()}:", file=out)
    for r in plan.receivers:
        via = ", ".join(r.sinks) or "no sink"
        if r.status == "silenced":
            what = f"silenced by {r.silence_id} until {r.until}"
        elif r.status == "muted":
            what = f"muted by {r.interval} until {r.until or 'no end found'}"
        else:
            what = f"sent via {via}"
        print(f"  {r.receiver} ({r.route}): {what}", file=out)


def format_duration_s(seconds: float) -> str:
    return format_duration(timedelta(seconds=seconds))


async def notify_test(
    args: argparse.Namespace,
    settings: Settings,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    http: httpx.AsyncClient | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        labels = parse_labels(args.labels)
    except MatcherError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_USAGE
    try:
        # Deciding needs no secret: url_file is check-config's to check.
        if args.config:
            path = Path(args.config)
            config = read_config_file(path, route_defaults(settings), check_files=False)
        else:
            config = configured(settings, check_files=False)
    except ConfigInvalid as exc:
        print(f"error: {exc}", file=err)
        return EXIT_FAILED
    try:
        now = datetime.fromisoformat(args.at) if args.at else datetime.now(UTC)
    except ValueError as exc:
        print(f"error: --at: {exc}", file=err)
        return EXIT_USAGE
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    silences, problem = (
        ([], "--no-silences")
        if args.no_silences
        else await active_silences(settings, args.api_url, http)
    )
    if args.json:
        plan = decide(config, labels, silences=silences, now=now)
        print(json.dumps(asdict(plan), indent=2), file=out)
    else:
        _describe(config, labels, silences, now, out)
    if problem:
        print(f"Silences not checked: {problem}", file=err)
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    return check_config(Path(args.file), load_settings(), sys.stdout)


def _test(args: argparse.Namespace) -> int:
    return asyncio.run(notify_test(args, load_settings()))


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("notify", help="check the notification config; try labels")
    sub = parser.add_subparsers(dest="notify_command", required=True)
    check = sub.add_parser("check-config", help="check a NOTIFY_CONFIG file (exit 1 on errors)")
    check.add_argument("file")
    check.set_defaults(func=_check)
    test = sub.add_parser("test", help="where a notification with these labels would go")
    test.add_argument("--labels", required=True, help=f"name=value,… of {', '.join(LABELS)}")
    test.add_argument("--config", default=None, help="a config file (default: NOTIFY_CONFIG)")
    test.add_argument("--at", default=None, help="ISO time to decide at (default: now)")
    test.add_argument("--json", action="store_true", help="print the decision as JSON")
    test.add_argument("--no-silences", action="store_true", help="do not ask the API")
    test.add_argument("--api-url", default=None, help="hookflow API base URL for the silences")
    test.set_defaults(func=_test)
