"""Where settings come from: the environment, over ./.env (or HOOKFLOW_ENV_FILE), over
seed 002's ~/.atlas/.env; secrets none of them sets come from Vault when VAULT_ADDR is set."""

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
    """Build the settings once (entry points call this; tests pass overrides). With VAULT_ADDR,
    Vault is read once here (a VaultError says what to fix); the API re-reads it as it runs."""
    files = env_files() or None
    settings = Settings(_env_file=files, **overrides)  # type: ignore[arg-type,call-arg]
    if not settings.vault_enabled:
        return settings
    from settings.vault_fill import read_vault, vault_fill  # hvac only where Vault is used

    fill = vault_fill(settings, read_vault(settings))
    if not fill:
        return settings
    filled = Settings(_env_file=files, **{**overrides, **fill})  # type: ignore[arg-type,call-arg]
    filled._from_vault = frozenset(fill)
    return filled
