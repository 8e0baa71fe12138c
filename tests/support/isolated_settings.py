"""Tests see only the settings they set: no hookflow variable of the machine's environment and
no dotenv file (./.env, ~/.atlas/.env, HOOKFLOW_ENV_FILE) reaches them."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import pytest
from pydantic import AliasChoices

from settings import Settings


@cache
def settings_env_names() -> frozenset[str]:
    """Every environment variable Settings reads (lower case: it matches case-insensitively)."""
    prefix = str(Settings.model_config.get("env_prefix") or "")
    names = {"hookflow_env_file"}
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(c.lower() for c in alias.choices if isinstance(c, str))
        elif isinstance(alias, str):
            names.add(alias.lower())
        else:
            names.add(f"{prefix}{name}".lower())
    return frozenset(names)


def clear_settings_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove them for this test (and the processes it starts); restored after it."""
    names = settings_env_names()
    for key in [k for k in os.environ if k.lower() in names]:
        monkeypatch.delenv(key)


def isolated_settings(monkeypatch: pytest.MonkeyPatch, **values: Any) -> Settings:
    """Settings from `values` and the defaults alone."""
    clear_settings_env(monkeypatch)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]
