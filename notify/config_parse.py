"""Walk a parsed NOTIFY_CONFIG document into notify.config's model: receivers, the route tree,
time intervals and repositories, every mistake reported with its path."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from notify.config import (
    AIMaestroSpec,
    LogfileSpec,
    NotifyConfig,
    Receiver,
    WebhookSpec,
    resolve_path,
)
from notify.intervals import TimeInterval
from notify.intervals_parse import parse_time_intervals
from notify.matchers import LABELS, Matcher, MatcherError, parse_matcher
from notify.problems import ConfigInvalid, Problems, at
from notify.render import TEMPLATE_PARTS, template_error
from notify.tree import Route, RouteOpts
from routing.decision import RepoOverrides
from routing.fields import REPO_PATTERN
from routing.notifications import PRIORITY_MAP, normalize_priority
from settings.durations import parse_duration

TOP_KEYS = ("receivers", "route", "time_intervals", "mute_time_intervals", "repositories")
RECEIVER_KEYS = ("name", "aimaestro", "webhook", "logfile", "template", "silence_end_notice")
ROUTE_KEYS = (
    "receiver",
    "matchers",
    "continue",
    "group_by",
    "group_wait",
    "group_interval",
    "repeat_interval",
    "mute_time_intervals",
    "active_time_intervals",
    "routes",
)
_HINTS = {"match": "use matchers: ['name=\"value\"']", "match_re": "use matchers: ['name=~\"re\"']"}


def _mapping(raw: Any, path: str, problems: Problems, keys: tuple[str, ...]) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add(path, f"must be a mapping, not {type(raw).__name__}")
        return {}
    for key in raw:
        if key not in keys:
            hint = _HINTS.get(str(key), f"use {', '.join(keys)}")
            problems.add(at(path, str(key)), f"unknown key ({hint})")
    return raw


def _text(raw: Any, path: str, problems: Problems, default: str | None = None) -> str | None:
    if raw is None:
        return default
    if not isinstance(raw, str) or not raw.strip():
        problems.add(path, "must be a non-empty string")
        return default
    return raw


def _secret_ref(
    raw: dict[str, Any],
    path: str,
    problems: Problems,
    base_dir: Path,
    *,
    required: bool,
    check_files: bool,
) -> tuple[str | None, str | None]:
    url = _text(raw.get("url"), at(path, "url"), problems)
    url_file = _text(raw.get("url_file"), at(path, "url_file"), problems)
    if url and url_file:
        problems.add(path, "give url or url_file, not both")
    elif required and not url and not url_file and "url" not in raw and "url_file" not in raw:
        problems.add(path, "needs url_file (a file holding the URL) or url")
    if not url_file:
        return url, None
    target = resolve_path(url_file, base_dir)
    if check_files:
        try:
            if not target.read_text().strip():
                problems.add(at(path, "url_file"), f"{target} is empty")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            problems.add(at(path, "url_file"), f"cannot read {target}: {reason}")
    return url, str(target)


def _receiver(
    raw: Any, path: str, problems: Problems, base_dir: Path, check_files: bool
) -> Receiver | None:
    item = _mapping(raw, path, problems, RECEIVER_KEYS)
    name = _text(item.get("name"), at(path, "name"), problems)
    if name is None:
        if isinstance(raw, dict) and "name" not in raw:
            problems.add(at(path, "name"), "every receiver needs a name")
        return None
    aimaestro = webhook = logfile = None
    if "aimaestro" in item:
        where = at(path, "aimaestro")
        spec = _mapping(item["aimaestro"], where, problems, ("url", "url_file", "from", "to"))
        url, url_file = _secret_ref(
            spec, where, problems, base_dir, required=True, check_files=check_files
        )
        aimaestro = AIMaestroSpec(
            url=url,
            url_file=url_file,
            sender=_text(spec.get("from"), at(where, "from"), problems, "hookflow") or "hookflow",
            recipient=_text(spec.get("to"), at(where, "to"), problems, "orchestrator")
            or "orchestrator",
        )
    if "webhook" in item:
        where = at(path, "webhook")
        spec = _mapping(item["webhook"], where, problems, ("url", "url_file", "format"))
        url, url_file = _secret_ref(
            spec, where, problems, base_dir, required=True, check_files=check_files
        )
        fmt = spec.get("format", "json")
        if fmt not in ("json", "slack"):
            problems.add(at(where, "format"), f"unknown format {fmt!r} (use json or slack)")
        webhook = WebhookSpec(url=url, url_file=url_file, format=str(fmt))
    if "logfile" in item:
        where = at(path, "logfile")
        spec = _mapping(item["logfile"], where, problems, ("dir",))
        directory = _text(spec.get("dir"), at(where, "dir"), problems)
        logfile = LogfileSpec(str(resolve_path(directory, base_dir)) if directory else None)
    templates = _templates(item.get("template"), at(path, "template"), problems)
    notice = item.get("silence_end_notice", True)
    if not isinstance(notice, bool):
        problems.add(at(path, "silence_end_notice"), "must be true or false")
    return Receiver(name, aimaestro, webhook, logfile, templates, notice is not False)


def _templates(raw: Any, path: str, problems: Problems) -> dict[str, str]:
    found: dict[str, str] = {}
    for part, source in _mapping(raw, path, problems, TEMPLATE_PARTS).items():
        if part not in TEMPLATE_PARTS:
            continue
        if not isinstance(source, str):
            problems.add(at(path, part), "must be a Jinja2 template string")
            continue
        error = template_error(source)
        if error:
            problems.add(at(path, part), error)
            continue
        found[part] = source
    return found


def _duration(raw: Any, path: str, problems: Problems) -> timedelta | None:
    if raw is None:
        return None
    try:
        value = parse_duration(str(raw)) if isinstance(raw, str | int | float) else None
    except ValueError as exc:
        problems.add(path, str(exc))
        return None
    if value is None or isinstance(raw, bool):
        problems.add(path, f"not a duration: {raw!r} (use e.g. 30s, 5m, 4h)")
    return value


def _names(raw: Any, path: str, problems: Problems) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        problems.add(path, "must be a list of names")
        return ()
    return tuple(raw)


def _matchers(raw: Any, path: str, problems: Problems) -> tuple[Matcher, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.add(path, "must be a list of matchers like 'repo=\"acme/api\"'")
        return ()
    found = []
    for i, text in enumerate(raw):
        try:
            found.append(parse_matcher(text))
        except MatcherError as exc:
            problems.add(at(path, i), str(exc))
    return tuple(found)


def _route(raw: Any, path: str, problems: Problems, *, root: bool) -> Route:
    item = _mapping(raw, path, problems, ROUTE_KEYS)
    group_by = None
    if "group_by" in item:
        group_by = _names(item["group_by"], at(path, "group_by"), problems)
        for i, label in enumerate(group_by):
            if label not in (*LABELS, "..."):
                problems.add(at(at(path, "group_by"), i), f"unknown label {label!r}")
    cont = item.get("continue", False)
    if not isinstance(cont, bool):
        problems.add(at(path, "continue"), "must be true or false")
    children = item.get("routes") or []
    if not isinstance(children, list):
        problems.add(at(path, "routes"), "must be a list of routes")
        children = []
    route = Route(
        path=path,
        receiver=_text(item.get("receiver"), at(path, "receiver"), problems),
        matchers=_matchers(item.get("matchers"), at(path, "matchers"), problems),
        continue_=cont is True,
        group_by=group_by,
        group_wait=_duration(item.get("group_wait"), at(path, "group_wait"), problems),
        group_interval=_duration(item.get("group_interval"), at(path, "group_interval"), problems),
        repeat_interval=_duration(
            item.get("repeat_interval"), at(path, "repeat_interval"), problems
        ),
        mute_time_intervals=_names(
            item.get("mute_time_intervals"), at(path, "mute_time_intervals"), problems
        ),
        active_time_intervals=_names(
            item.get("active_time_intervals"), at(path, "active_time_intervals"), problems
        ),
        routes=tuple(
            _route(child, at(at(path, "routes"), i), problems, root=False)
            for i, child in enumerate(children)
        ),
    )
    if root:
        if not route.receiver:
            problems.add(at(path, "receiver"), "the root route needs a receiver (the default)")
        for key in ("matchers", "continue", "mute_time_intervals", "active_time_intervals"):
            if item.get(key):
                problems.add(at(path, key), "not allowed on the root route")
    return route


def _check_references(
    route: Route,
    receivers: Mapping[str, Receiver],
    intervals: Mapping[str, TimeInterval],
    problems: Problems,
) -> None:
    for node in route.walk():
        if node.receiver and node.receiver not in receivers:
            problems.add(at(node.path, "receiver"), f"unknown receiver {node.receiver!r}")
        for key, names in (
            ("mute_time_intervals", node.mute_time_intervals),
            ("active_time_intervals", node.active_time_intervals),
        ):
            for i, name in enumerate(names):
                if name not in intervals:
                    problems.add(at(at(node.path, key), i), f"unknown time interval {name!r}")


def _repositories(raw: Any, path: str, problems: Problems) -> dict[str, RepoOverrides]:
    found: dict[str, RepoOverrides] = {}
    if raw is None:
        return found
    if not isinstance(raw, dict):
        problems.add(path, "must be a mapping of owner/name to overrides")
        return found
    for repo, spec in raw.items():
        where = at(path, str(repo))
        if not isinstance(repo, str) or not re.fullmatch(REPO_PATTERN, repo):
            problems.add(where, "not an owner/name repository")
            continue
        item = _mapping(spec, where, problems, ("watched_branches", "priorities"))
        branches = None
        if "watched_branches" in item:
            names = _names(item["watched_branches"], at(where, "watched_branches"), problems)
            branches = frozenset(names)
        priorities: dict[str, str] = {}
        known = tuple(PRIORITY_MAP)
        where_p = at(where, "priorities")
        for key, value in _mapping(item.get("priorities"), where_p, problems, known).items():
            if key not in PRIORITY_MAP:
                continue
            try:
                priorities[key] = normalize_priority(str(value))
            except ValueError as exc:
                problems.add(at(where_p, key), str(exc))
        found[repo.lower()] = RepoOverrides(branches, priorities)
    return found


def parse_config(
    data: Any, *, defaults: RouteOpts, base_dir: Path, source: str, check_files: bool = True
) -> NotifyConfig:
    """The model of a parsed YAML document; raises ConfigInvalid listing every error.
    `check_files`: that each url_file is readable (not where the secrets are not mounted)."""
    problems = Problems()
    top = _mapping(data, "", problems, TOP_KEYS)
    if data is None or not isinstance(data, dict):
        problems.add("", "the file must hold a mapping with receivers and route")
    receivers: dict[str, Receiver] = {}
    raw_receivers = top.get("receivers")
    if not isinstance(raw_receivers, list) or not raw_receivers:
        problems.add("receivers", "needs a list of at least one receiver")
        raw_receivers = []
    for i, raw in enumerate(raw_receivers):
        receiver = _receiver(raw, at("receivers", i), problems, base_dir, check_files)
        if receiver is None:
            continue
        if receiver.name in receivers:
            problems.add(
                at(at("receivers", i), "name"), f"receiver {receiver.name!r} is defined twice"
            )
        receivers[receiver.name] = receiver
    intervals = parse_time_intervals(top.get("time_intervals") or [], "time_intervals", problems)
    for name, interval in parse_time_intervals(
        top.get("mute_time_intervals") or [], "mute_time_intervals", problems
    ).items():
        intervals.setdefault(name, interval)
    if "route" not in top:
        problems.add("route", "needs a root route with a receiver")
    route = _route(top.get("route"), "route", problems, root=True)
    _check_references(route, receivers, intervals, problems)
    repositories = _repositories(top.get("repositories"), "repositories", problems)
    if problems:
        raise ConfigInvalid(source, problems.items)
    return NotifyConfig(
        receivers=receivers,
        route=route,
        defaults=defaults,
        time_intervals=intervals,
        repositories=repositories,
        source=source,
    )
