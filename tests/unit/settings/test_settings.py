"""Configuration: one settings object, clear start-up errors, secrets from files."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from api.main import create_app
from settings import ConfigError, load_settings


def test_settings_refuse_placeholder_secret() -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        load_settings(github_webhook_secret="your-secret-here")


def test_settings_read_secrets_from_files(tmp_path: Path) -> None:
    current, previous = tmp_path / "current", tmp_path / "previous"
    current.write_text("from-file-1\n")
    previous.write_text("from-file-2")
    conf = load_settings(
        github_webhook_secret_file=current, github_webhook_secret_previous_file=previous
    )
    assert conf.webhook_secrets == [b"from-file-1", b"from-file-2"]


def test_settings_unreadable_secret_file_is_clear_error(tmp_path: Path) -> None:
    conf = load_settings(github_webhook_secret_file=tmp_path / "missing")
    with pytest.raises(ConfigError, match="GITHUB_WEBHOOK_SECRET_FILE"):
        _ = conf.webhook_secrets


def test_settings_read_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", "env-secret-123")
    monkeypatch.setenv("WATCHED_BRANCHES", "main, prod")
    monkeypatch.setenv("WEBHOOK_PORT", "9100")
    conf = load_settings()
    assert conf.webhook_secrets == [b"env-secret-123"]
    assert conf.watched_branch_set == {"main", "prod"}
    assert conf.webhook_port == 9100


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"api_token": "tok-123456"}, "GITHUB_WEBHOOK_SECRET"),
        ({"github_webhook_secret": "s-123456"}, "API_TOKEN"),
    ],
)
async def test_api_refuses_to_start_without_required_secret(
    values: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("GITHUB_WEBHOOK_SECRET", "API_TOKEN", "GITHUB_WEBHOOK_SECRET_FILE"):
        monkeypatch.delenv(name, raising=False)
    app = create_app(load_settings(**values))
    with pytest.raises(ConfigError, match=message):
        async with app.router.lifespan_context(app):
            pass


@pytest.mark.parametrize(
    ("values", "files", "message"),
    [
        ({"github_webhook_secret": ""}, {}, "GITHUB_WEBHOOK_SECRET is set but empty"),
        ({"github_webhook_secret": "   "}, {}, "GITHUB_WEBHOOK_SECRET is set but empty"),
        (
            {"github_webhook_secret": "s-123456", "github_webhook_secret_previous": " \t"},
            {},
            "GITHUB_WEBHOOK_SECRET_PREVIOUS is set but empty",
        ),
        ({}, {"github_webhook_secret_file": " \n"}, "GITHUB_WEBHOOK_SECRET_FILE=.* is empty"),
        (
            {"github_webhook_secret": "s-123456"},
            {"github_webhook_secret_previous_file": ""},
            "GITHUB_WEBHOOK_SECRET_PREVIOUS_FILE=.* is empty",
        ),
        ({"github_webhook_repo_secrets": "octo/app="}, {}, "secret for octo/app is empty"),
        (
            {
                "github_webhook_secret": "s-123456",
                "github_webhook_repo_secrets": "octo/app=k-1, octo/other=  ",
            },
            {},
            "secret for octo/other is empty",
        ),
        ({"github_webhook_repo_secrets": "hunter2-no-equals"}, {}, "has no '='"),
    ],
)
async def test_api_refuses_to_start_with_empty_secret(
    values: dict[str, str],
    files: dict[str, str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (
        "GITHUB_WEBHOOK_SECRET",
        "GITHUB_WEBHOOK_SECRET_FILE",
        "GITHUB_WEBHOOK_SECRET_PREVIOUS",
        "GITHUB_WEBHOOK_REPO_SECRETS",
    ):
        monkeypatch.delenv(name, raising=False)
    paths: dict[str, object] = {}
    for field, content in files.items():
        path = tmp_path / field
        path.write_text(content)
        paths[field] = path
    app = create_app(load_settings(api_token="tok-123456", **values, **paths))
    with pytest.raises(ConfigError, match=message) as caught:
        async with app.router.lifespan_context(app):
            pass
    assert "hunter2" not in str(caught.value)  # a malformed entry is not echoed back


def test_settings_repo_secrets_parse_entries() -> None:
    conf = load_settings(github_webhook_repo_secrets="octo/app=k-1, octo/app = k-2 ,octo/b=k-3")
    assert conf.repo_secrets == {"octo/app": [b"k-1", b"k-2"], "octo/b": [b"k-3"]}
