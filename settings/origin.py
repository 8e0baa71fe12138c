"""Where a setting is configured (the environment, which dotenv file, Vault), for messages
such as the quick start's "webhook secret from ~/.atlas/.env" — never the value itself."""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import dotenv_values

from settings.model import Settings
from settings.secrets import VAULT_KEYS


def _shown(path: Path) -> str:
    home = Path.home()
    try:
        return f"~/{path.resolve().relative_to(home.resolve())}"
    except ValueError:
        return str(path)


def origin(name: str, files: tuple[Path, ...], settings: Settings | None = None) -> str | None:
    """Where NAME (or NAME_FILE) is set, highest priority first: the environment, then the
    dotenv files (`files` lowest priority first, as env_files() gives them), then Vault."""
    names = (name.upper(), f"{name.upper()}_FILE")
    environment = {k.upper() for k in os.environ}
    for variable in names:
        if variable in environment:
            return f"the environment ({variable})"
    for path in reversed(files):
        present = {k.upper() for k, v in dotenv_values(path).items() if v is not None}
        for variable in names:
            if variable in present:
                return f"{_shown(path)} ({variable})"
    field = name.lower()
    if settings is not None and field in settings.vault_filled:
        return f"Vault {settings.vault_secret_path} (key {VAULT_KEYS[field]})"
    return None
