"""The notification config (NOTIFY_CONFIG, YAML in Alertmanager's vocabulary): its model, and
reading a file into it with every error reported by its path. Pure but for reading the file
(and checking that each `url_file` is readable).

Without NOTIFY_CONFIG the environment's settings form the same model (notify/env_config.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from notify.intervals import TimeInterval
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
class NotifyConfig:
    receivers: Mapping[str, Receiver]
    route: Route
    defaults: RouteOpts  # what the root route leaves unset (NOTIFY_GROUP_* settings)
    time_intervals: Mapping[str, TimeInterval] = field(default_factory=dict)
    # `repositories:`: overrides of the seed's settings by lower-case owner/name
    repositories: Mapping[str, RepoOverrides] = field(default_factory=dict)
    source: str = "environment"  # the file, or "environment"
    digest: str = ""  # of the file's bytes: which version is loaded

    def receiver(self, name: str) -> Receiver | None:
        return self.receivers.get(name)


def resolve_path(value: str, base_dir: Path) -> Path:
    """A path from the file: `~` expanded, relative ones read beside the file."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else base_dir / path


def repository_overrides(config: NotifyConfig | None) -> dict[str, RepoOverrides]:
    """`repositories:` as routing reads it: watched branches and priorities per repository."""
    return dict(config.repositories) if config else {}
