"""Where settings come from: the environment, over ./.env (or HOOKFLOW_ENV_FILE), over
seed 002's ~/.atlas/.env."""

from __future__ import annotations

import os
from pathlib import Path

from settings.model import Settings
from settings.secrets import ConfigError

# Seed 002 keeps its secret in this file; read when present, below ./.env and the environment.
ATLAS_ENV_FILE = Path("~/.atlas/.env")


def env_files() -> tuple[Path, ...]:
    """Dotenv files to read, lowest priority first; the environment beats all of them."""
    named = os.environ.get("HOOKFLOW_ENV_FILE")
    chosen = Path(named or ".env").expanduser()
    if named and not chosen.exists():
        raise ConfigError(f"HOOKFLOW_ENV_FILE={named} does not exist")
    atlas = ATLAS_ENV_FILE.expanduser()
    return tuple(p for p in (atlas, chosen) if p.exists())


def load_settings(**overrides: object) -> Settings:
    """Build the settings once (entry points call this; tests pass overrides)."""
    return Settings(_env_file=env_files() or None, **overrides)  # type: ignore[arg-type,call-arg]
