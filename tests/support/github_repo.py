"""Plugin: the fake GitHub (`github`) with a repository of the test's own (`repo`: workflow ids
are business keys, and the Temporal server outlives every test), and the settings that point
hookflow at it (`github_settings`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.fakes import FakeGitHub

GITHUB_TOKEN = "gh-test-token"


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    """The fake GitHub, accepting GITHUB_TOKEN only."""
    with FakeGitHub(token=GITHUB_TOKEN) as fake:
        yield fake


@pytest.fixture
def repo(github: FakeGitHub) -> str:
    name = f"acme/widgets-{uuid.uuid4().hex[:8]}"
    github.add_repo(name)
    return name


@pytest.fixture
def github_settings(github: FakeGitHub) -> dict[str, Any]:
    return {"github_api_url": github.url, "github_token": GITHUB_TOKEN}
