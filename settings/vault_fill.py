"""At start-up, fill the secrets no variable or `…_FILE` sets from Vault's KV v2 secret."""

from __future__ import annotations

from typing import TYPE_CHECKING

from settings.secrets import VAULT_KEYS
from settings.vault_client import VaultSource

if TYPE_CHECKING:
    from settings.model import Settings


def read_vault(settings: Settings) -> dict[str, str]:
    """Log in and read VAULT_SECRET_PATH once; raises VaultError with what to fix."""
    source = VaultSource(settings)
    try:
        source.login()
        return source.read()
    finally:
        source.close()


def vault_fill(settings: Settings, data: dict[str, str]) -> dict[str, str]:
    """{field: value} for every secret Vault holds that the environment does not set."""
    return {
        field: data[key]
        for field, key in VAULT_KEYS.items()
        if key in data and data[key].strip() and not settings.explicitly_set(field)
    }
