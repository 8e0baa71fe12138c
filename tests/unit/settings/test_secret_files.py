"""Every secret has a `…_FILE` variant (mounted secrets: compose `secrets:`, Kubernetes), read
the same way, and a Vault key of the same name in kebab-case."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import ConfigError, Settings
from settings.secrets import VAULT_KEYS


@pytest.mark.parametrize("field", sorted(VAULT_KEYS))
def test_every_secret_reads_its_file(field: str, tmp_path: Path) -> None:
    value = "owner/repo=from-a-file-123" if field.endswith("repo_secrets") else "from-a-file-123"
    path = tmp_path / field
    path.write_text(value + "\n")
    settings = Settings(**{f"{field}_file": path})  # type: ignore[arg-type]
    assert settings.secret(field) == value
    assert settings.explicitly_set(field)
    assert VAULT_KEYS[field] == field.replace("_", "-")


@pytest.mark.parametrize("field", sorted(VAULT_KEYS))
def test_unreadable_secret_file_names_the_variable(field: str, tmp_path: Path) -> None:
    settings = Settings(**{f"{field}_file": tmp_path / "missing"})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=f"{field.upper()}_FILE=.*cannot be read"):
        settings.secret(field)


def test_empty_webhook_secret_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_text("  \n")
    settings = Settings(github_webhook_secret_file=path)  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match="is empty"):
        _ = settings.webhook_secrets
