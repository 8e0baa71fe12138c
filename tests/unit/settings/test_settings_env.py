"""Settings from dotenv files: HOOKFLOW_ENV_FILE (default ./.env) and seed 002's ~/.atlas/.env,
with the environment winning over both."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import ConfigError, load_settings


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty home and working directory, and no hookflow variables in the environment."""
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    for name in (
        "HOOKFLOW_ENV_FILE",
        "GITHUB_WEBHOOK_SECRET",
        "WEBHOOK_PORT",
        "API_TOKEN",
        "WATCHED_BRANCHES",
        "LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


def test_settings_read_dot_env_in_the_working_directory(home: Path) -> None:
    Path(".env").write_text(
        "GITHUB_WEBHOOK_SECRET=from-dot-env-123\nWEBHOOK_PORT=9100\nSOMETHING_ELSE=ignored\n"
    )
    conf = load_settings()
    assert conf.webhook_secrets == [b"from-dot-env-123"]
    assert conf.webhook_port == 9100


def test_environment_wins_over_dot_env(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Path(".env").write_text("WEBHOOK_PORT=9100\nLOG_LEVEL=DEBUG\n")
    monkeypatch.setenv("WEBHOOK_PORT", "9200")
    conf = load_settings()
    assert conf.webhook_port == 9200 and conf.log_level == "DEBUG"


def test_settings_read_the_file_named_by_hookflow_env_file(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Path(".env").write_text("WEBHOOK_PORT=9100\n")
    named = tmp_path / "prod.env"
    named.write_text("WEBHOOK_PORT=9300\n")
    monkeypatch.setenv("HOOKFLOW_ENV_FILE", str(named))
    assert load_settings().webhook_port == 9300


def test_missing_hookflow_env_file_is_a_clear_error(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOKFLOW_ENV_FILE", "/nonexistent/hookflow.env")
    with pytest.raises(ConfigError, match="HOOKFLOW_ENV_FILE=/nonexistent/hookflow.env"):
        load_settings()


def test_seed_002_atlas_env_is_read_below_dot_env(home: Path) -> None:
    atlas = home / ".atlas"
    atlas.mkdir()
    (atlas / ".env").write_text(
        "GITHUB_WEBHOOK_SECRET=from-atlas-456\nWEBHOOK_PORT=9100\nWATCHED_BRANCHES=main,prod\n"
    )
    conf = load_settings()
    assert conf.webhook_secrets == [b"from-atlas-456"]
    assert conf.watched_branch_set == {"main", "prod"}
    Path(".env").write_text("WEBHOOK_PORT=9400\n")
    conf = load_settings()
    assert conf.webhook_port == 9400  # ./.env beats ~/.atlas/.env
    assert conf.webhook_secrets == [b"from-atlas-456"]  # still read for what .env lacks
