"""hookflow's configuration: one typed `Settings`, read from the environment here and nowhere else.

`load_settings()` builds it; each module of this package declares the settings of one concern."""

from settings.durations import (
    Duration,
    DurationList,
    OptionalDuration,
    format_duration,
    parse_duration,
)
from settings.env_files import ATLAS_ENV_FILE, env_files, load_settings
from settings.github import git_base_from, parse_repo_hooks
from settings.model import Settings
from settings.secrets import PLACEHOLDER_SECRETS, ConfigError

__all__ = [
    "ATLAS_ENV_FILE",
    "PLACEHOLDER_SECRETS",
    "ConfigError",
    "Duration",
    "DurationList",
    "OptionalDuration",
    "Settings",
    "env_files",
    "format_duration",
    "git_base_from",
    "load_settings",
    "parse_duration",
    "parse_repo_hooks",
]
