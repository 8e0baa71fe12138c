"""Every token may come from a file (`API_TOKEN_FILE`, `GITHUB_TOKEN_FILE`, `METRICS_TOKEN_FILE`,
`TEMPORAL_API_KEY_FILE`): systemd credentials and mounted Kubernetes or compose secrets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from settings import ConfigError, Settings, load_settings

READERS: list[tuple[str, Callable[[Settings], str | None]]] = [
    ("API_TOKEN", Settings.api_token_value),
    ("GITHUB_TOKEN", Settings.github_token_value),
    ("METRICS_TOKEN", Settings.metrics_token_value),
    ("TEMPORAL_API_KEY", Settings.temporal_api_key_value),
]


@pytest.mark.parametrize(("name", "read"), READERS)
def test_token_read_from_its_file_and_masked_in_logs(
    name: str, read: Callable[[Settings], str | None], tmp_path: Path
) -> None:
    path = tmp_path / "credential"
    path.write_text("from-a-file-0123456789\n")
    settings = load_settings(**{f"{name.lower()}_file": path})
    assert read(settings) == "from-a-file-0123456789"
    assert "from-a-file-0123456789" in settings.secret_values()
    path.write_text("rotated-0123456789\n")  # read on use: a rotated file needs no restart
    assert read(settings) == "rotated-0123456789"


@pytest.mark.parametrize(("name", "read"), READERS)
def test_token_file_missing_or_empty_is_a_clear_error(
    name: str, read: Callable[[Settings], str | None], tmp_path: Path
) -> None:
    missing = load_settings(**{f"{name.lower()}_file": tmp_path / "absent"})
    with pytest.raises(ConfigError, match=f"{name}_FILE=.*cannot be read"):
        read(missing)
    empty = tmp_path / "empty"
    empty.write_text("  \n")
    with pytest.raises(ConfigError, match=f"{name}_FILE=.* is empty"):
        read(load_settings(**{f"{name.lower()}_file": empty}))


def test_api_token_file_with_a_placeholder_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "api_token"
    path.write_text("changethis\n")
    settings = load_settings(github_webhook_secret="real-secret-0123", api_token_file=path)
    with pytest.raises(ConfigError, match="placeholder"):
        settings.require_api()


def test_api_starts_with_token_from_file_only(tmp_path: Path) -> None:
    path = tmp_path / "api_token"
    path.write_text("file-token-0123456789")
    settings = load_settings(github_webhook_secret="real-secret-0123", api_token_file=path)
    settings.require_api()  # no ConfigError: the file is enough
