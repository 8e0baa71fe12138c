"""Plugin for GitHubClient's own tests: one fake GitHub a whole module shares (`shared_github`,
cleared for each test) and a client on the test's `github` with the token it accepts (`gh`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from ghclient import GitHubClient
from tests.support.fakes import FakeGitHub

SHARED_TOKEN = "ghp_testtoken0123456789abcdefSECRET"


@pytest.fixture(scope="module")
def shared_github_server() -> Iterator[FakeGitHub]:
    """One server for the module (starting one costs ~0.2 s; test_ghclient.py has 50 tests)."""
    with FakeGitHub(token=SHARED_TOKEN) as server:
        yield server


@pytest.fixture
def shared_github(shared_github_server: FakeGitHub) -> FakeGitHub:
    """The module's server with no rule or request of an earlier test."""
    shared_github_server.reset()
    return shared_github_server


@pytest.fixture
async def gh(github: FakeGitHub) -> AsyncIterator[GitHubClient]:
    """A GitHubClient on the test's `github` fixture, authorised with that fake's token."""
    assert github.token is not None
    async with GitHubClient(github.url, github.token) as client:
        yield client
