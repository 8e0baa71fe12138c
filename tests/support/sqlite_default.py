"""The embedded default of scripts/run.sh: the SQLite database devstack.up gives the services
when DATABASE_URL is unset."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.migrate import upgrade
from devstack.up import child_env


def sqlite_default_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The URL scripts/run.sh gives the services when DATABASE_URL is unset, migrated."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    url = child_env({}, tmp_path, "127.0.0.1:7233")["DATABASE_URL"]
    assert url.startswith("sqlite:///")
    upgrade(url)
    return url
