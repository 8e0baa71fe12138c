"""GitHub App mode on the fake GitHub: an App key (a fixture), the fake with the App installed on
the test's repository (`app_github`), hookflow's App identity on it (`app_identity`), the PEM
texts and the token requests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ghclient import GitHubApp
from tests.support.ci_runs import RepoGitHub
from tests.support.fakes import FakeGitHub

APP_ID = 424242
SLUG = "hookflow-test"
INSTALLATION = 7777


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture(scope="module")
def app_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def app_github(app_key: rsa.RSAPrivateKey) -> Iterator[RepoGitHub]:
    fake = RepoGitHub(token="personal-token-not-accepted-in-app-mode")
    with fake:
        fake.repo = f"acme/widgets-{uuid.uuid4().hex[:8]}"
        fake.add_repo(fake.repo)
        fake.enable_app(app_id=APP_ID, public_key=public_pem(app_key), slug=SLUG)
        fake.install_app(fake.repo, INSTALLATION)
        yield fake


@pytest.fixture
def app_identity(app_github: RepoGitHub, app_key: rsa.RSAPrivateKey) -> GitHubApp:
    """hookflow's App identity on `app_github`."""
    return GitHubApp(str(APP_ID), private_pem(app_key), base_url=app_github.url)


def token_posts(fake: FakeGitHub) -> int:
    return len(fake.requests_to("POST", rf"/app/installations/{INSTALLATION}/access_tokens$"))
