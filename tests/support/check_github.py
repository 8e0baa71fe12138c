"""Plugin for the `hookflow check` tests: the fake GitHub that accepts the check's token and
holds its repository (`checks_github`, or `github_with_repo` for one with other grants), and
the public URL hookflow is configured with (`public_url`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from devstack.postgres import free_port
from tests.support.checks import REPO, TOKEN
from tests.support.fakes import FakeGitHub


@contextmanager
def github_with_repo(token_permissions: dict[str, str] | None = None) -> Iterator[FakeGitHub]:
    """A fake GitHub accepting TOKEN (with only `token_permissions`, if given) that holds REPO."""
    with FakeGitHub(token=TOKEN, token_permissions=token_permissions) as fake:
        fake.add_repo(REPO)
        yield fake


@pytest.fixture
def checks_github() -> Iterator[FakeGitHub]:
    with github_with_repo() as fake:
        yield fake


@pytest.fixture
def public_url() -> str:
    """Where GitHub reaches hookflow: nothing listens there, so pings go unanswered."""
    return f"http://127.0.0.1:{free_port()}"
