"""The notification config (NOTIFY_CONFIG, YAML in Alertmanager's vocabulary): its model, and
reading a file into it with every error reported by its path. Pure but for reading the file
(and checking that each `url_file` is readable).

Without NOTIFY_CONFIG the environment's settings form the same model (notify/env_config.py).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from notify.intervals import TimeInterval
from notify.problems import ConfigInvalid
from notify.tree import Route, RouteOpts
from routing.decision import RepoOverrides

SINK_LOGFILE = "logfile"
SINK_AIMAESTRO = "aimaestro"
SINK_CHAT = "chat"  # a receiver's `webhook:`; "chat" is its name in notification rows
DEFAULT_RECEIVER = "default"  # the one receiver of the environment-only setup


@dataclass(frozen=True)
class AIMaestroSpec:
    url: str | None = None
    url_file: str | None = None
    sender: str = "hookflow"
    recipient: str = "orchestrator"


@dataclass(frozen=True)
class WebhookSpec:
    url: str | None = None
    url_file: str | None = None  # a mounted secret holding the URL (chat URLs carry a token)
    format: str = "json"  # json | slack


@dataclass(frozen=True)
class LogfileSpec:
    dir: str | None = None  # default LOG_DIR


@dataclass(frozen=True)
class Receiver:
    name: str
    aimaestro: AIMaestroSpec | None = None
    webhook: WebhookSpec | None = None
    logfile: LogfileSpec | None = None
    # part (subject | summary | body) → Jinja2 source overriding the shipped template
    templates: Mapping[str, str] = field(default_factory=dict)
    # When a silence that muted a still-red CI group ends, send the group's state once.
    silence_end_notice: bool = True

    @property
    def sinks(self) -> list[str]:
        """Its integrations, in the order notifications always went out."""
        found = [
            (SINK_LOGFILE, self.logfile),
            (SINK_AIMAESTRO, self.aimaestro),
            (SINK_CHAT, self.webhook),
        ]
        return [name for name, spec in found if spec is not None]


@dataclass(frozen=True)
class RepoRules:
    """`repositories:` overrides of the seed's settings for one repository."""

    watched_branches: frozenset[str] | None = None
    priorities: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NotifyConfig:
    receivers: Mapping[str, Receiver]
    route: Route
    defaults: RouteOpts  # what the root route leaves unset (NOTIFY_GROUP_* settings)
    time_intervals: Mapping[str, TimeInterval] = field(default_factory=dict)
    repositories: Mapping[str, RepoRules] = field(default_factory=dict)
    source: str = "environment"  # the file, or "environment"
    digest: str = ""  # of the file's bytes: which version is loaded

    def receiver(self, name: str) -> Receiver | None:
        return self.receivers.get(name)

    def repo_rules(self, repo: str | None) -> RepoRules | None:
        return self.repositories.get(repo.lower()) if repo else None


class _Loader(yaml.SafeLoader):  # type: ignore[misc]
    """YAML 1.1 without sexagesimal numbers: `22:00` and `1:5` stay strings, as people mean."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:int"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)


def load_yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigInvalid(source, [f"{where}not valid YAML: {problem}"]) from None


def read_config_file(path: Path, defaults: RouteOpts, *, check_files: bool = True) -> NotifyConfig:
    """Read and check NOTIFY_CONFIG; raises ConfigInvalid listing every error by its path.
    `check_files=False` leaves url_file alone (the API, which sends nothing)."""
    from notify.config_parse import parse_config

    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigInvalid(source, [f"cannot read the file: {exc.strerror or exc}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigInvalid(source, ["the file is not UTF-8 text"]) from None
    data = load_yaml(text, source)
    config = parse_config(
        data, defaults=defaults, base_dir=path.parent, source=source, check_files=check_files
    )
    digest = hashlib.sha256(raw).hexdigest()[:12]
    return NotifyConfig(
        receivers=config.receivers,
        route=config.route,
        defaults=config.defaults,
        time_intervals=config.time_intervals,
        repositories=config.repositories,
        source=source,
        digest=digest,
    )


def check_config_file(path: Path, defaults: RouteOpts) -> list[str]:
    """Every error of the file (`route.routes[0].matchers[1]: …`); empty when it is valid."""
    try:
        read_config_file(path, defaults)
    except ConfigInvalid as exc:
        return exc.problems
    return []


def resolve_path(value: str, base_dir: Path) -> Path:
    """A path from the file: `~` expanded, relative ones read beside the file."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else base_dir / path


def repository_overrides(config: NotifyConfig | None) -> dict[str, RepoOverrides]:
    """`repositories:` as routing reads it: watched branches and priorities per repository."""
    return {
        repo: RepoOverrides(rules.watched_branches, dict(rules.priorities))
        for repo, rules in (config.repositories.items() if config else ())
    }
