"""The tests' settings come only from what a test sets: a developer's environment,
~/.atlas/.env and ./.env never reach them (nor the processes a test starts)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from settings import Settings, load_settings

# What a developer's machine may hold: real sinks and a real token.
PLANTED_ENV = {
    "AIMAESTRO_URL": "http://planted.invalid/maestro",
    "NOTIFY_WEBHOOK_URL": "http://planted.invalid/chat",
    "github_token": "ghp_planted_in_the_environment",  # Settings matches names in any case
}
PLANTED_ATLAS = "AIMAESTRO_FROM=planted-in-atlas\nLOG_LEVEL=DEBUG\n"
PLANTED_DOTENV = "AIMAESTRO_TO=planted-in-dotenv\nNOTIFY_WEBHOOK_FORMAT=slack\n"
PLANTED_FIELDS = (
    "aimaestro_url",
    "notify_webhook_url",
    "github_token",
    "aimaestro_from",
    "log_level",
    "aimaestro_to",
    "notify_webhook_format",
)


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hookflow settings in the environment, in ~/.atlas/.env and in ./.env."""
    home = tmp_path / "home"
    (home / ".atlas").mkdir(parents=True)
    (home / ".atlas" / ".env").write_text(PLANTED_ATLAS)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / ".env").write_text(PLANTED_DOTENV)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(cwd)
    for name, value in PLANTED_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def settings_overrides(machine: None) -> dict[str, Any]:
    """The machine is planted before the `settings` fixture runs."""
    return {}


def test_settings_fixture_sees_nothing_of_the_machine(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    defaults = {name: Settings.model_fields[name].default for name in PLANTED_FIELDS}
    assert {name: getattr(settings, name) for name in PLANTED_FIELDS} == defaults
    # Nor does a worker.py or `hookflow serve` the test starts with its environment.
    assert not [k for k in os.environ if k.upper() in {n.upper() for n in PLANTED_ENV}]

    # The planted machine is one production would read: every planted value reaches
    # load_settings() once the environment holds it again.
    for name, value in PLANTED_ENV.items():
        monkeypatch.setenv(name, value)
    loaded = load_settings()
    assert loaded.aimaestro_url == PLANTED_ENV["AIMAESTRO_URL"]
    assert loaded.notify_webhook_url_value() == PLANTED_ENV["NOTIFY_WEBHOOK_URL"]
    assert loaded.github_token is not None
    assert loaded.github_token.get_secret_value() == PLANTED_ENV["github_token"]
    assert (loaded.aimaestro_from, loaded.log_level) == ("planted-in-atlas", "DEBUG")
    assert (loaded.aimaestro_to, loaded.notify_webhook_format) == ("planted-in-dotenv", "slack")
