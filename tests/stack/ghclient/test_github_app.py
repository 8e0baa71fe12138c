"""GitHub App identity: JWT → installation token (cached, renewed on expiry and on 401), REST
calls and CI-failure issues authored by `<app-slug>[bot]`, against the fake GitHub."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from temporalio.worker import Worker

from activities.github_client import GitHubIdentity
from activities.recover import APP_HOOK, recover_missed
from db.engine import SessionFactory
from ghclient import GitHubApp, GitHubAuthError, GitHubClient
from settings import ConfigError, Settings, load_settings
from tests.conftest import deliver
from tests.stack.workflows.test_ci_failure_flow import RepoGitHub, add_run, ci_issues, run_payload
from tests.support.fakes import FakeGitHub
from tests.support.waiting import eventually

APP_ID = 424242
SLUG = "hookflow-test"
INSTALLATION = 7777


def _pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture(scope="module")
def app_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def github(app_key: rsa.RSAPrivateKey) -> Iterator[RepoGitHub]:
    fake = RepoGitHub(token="personal-token-not-accepted-in-app-mode")
    with fake:
        fake.repo = f"acme/widgets-{uuid.uuid4().hex[:8]}"
        fake.add_repo(fake.repo)
        fake.enable_app(app_id=APP_ID, public_key=_public_pem(app_key), slug=SLUG)
        fake.install_app(fake.repo, INSTALLATION)
        yield fake


def token_posts(fake: FakeGitHub) -> int:
    return len(fake.requests_to("POST", rf"/app/installations/{INSTALLATION}/access_tokens$"))


async def test_comment_as_app_is_authored_by_bot(
    github: RepoGitHub, app_key: rsa.RSAPrivateKey
) -> None:
    issue = github.add_issue(github.repo, title="hello")
    app = GitHubApp(str(APP_ID), _pem(app_key), base_url=github.url)
    async with GitHubClient(github.url, app) as client:
        first = await client.create_comment(github.repo, issue["number"], "one")
        await client.create_comment(github.repo, issue["number"], "two")
    assert first["user"]["login"] == f"{SLUG}[bot]"
    assert [c["user"]["login"] for c in github.comments(github.repo, issue["number"])] == [
        f"{SLUG}[bot]",
        f"{SLUG}[bot]",
    ]
    # The installation is looked up once and its token reused while it is fresh.
    assert len(github.requests_to("GET", r"/installation$")) == 1
    assert token_posts(github) == 1
    comment_auth = github.requests_to("POST", r"/comments$")[0].headers["authorization"]
    assert comment_auth.startswith("Bearer ghs_")
    assert not github.app or not github.app.jwt_failures
    assert await app.bot_login() == first["user"]["login"]


async def test_token_renewed_when_github_answers_401(
    github: RepoGitHub, app_key: rsa.RSAPrivateKey
) -> None:
    issue = github.add_issue(github.repo, title="hello")
    app = GitHubApp(str(APP_ID), _pem(app_key), base_url=github.url)
    async with GitHubClient(github.url, app) as client:
        await client.get_issue(github.repo, issue["number"])
        github.revoke_app_tokens()
        again = await client.get_issue(github.repo, issue["number"])
    assert again["number"] == issue["number"]
    assert token_posts(github) == 2
    refused = [r for r in github.requests_to("GET", rf"/issues/{issue['number']}$")]
    assert len(refused) == 3  # ok, 401 with the revoked token, ok with the new one


async def test_token_renewed_shortly_before_expiry(
    github: RepoGitHub, app_key: rsa.RSAPrivateKey
) -> None:
    assert github.app is not None
    github.app.token_ttl = 320  # renewed 300 s before expiry: fresh for 20 s
    offset = [0.0]
    app = GitHubApp(
        str(APP_ID), _pem(app_key), base_url=github.url, clock=lambda: time.time() + offset[0]
    )
    first = await app.token_for_repo(github.repo)
    assert await app.token_for_repo(github.repo) == first
    offset[0] = 25.0
    second = await app.token_for_repo(github.repo)
    assert second != first
    assert token_posts(github) == 2


async def test_jwt_signed_with_another_key_is_refused(github: RepoGitHub) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    app = GitHubApp(str(APP_ID), _pem(other), base_url=github.url)
    async with GitHubClient(github.url, app) as client:
        with pytest.raises(GitHubAuthError) as caught:
            await client.get_repo(github.repo)
    assert caught.value.status == 401
    assert github.app is not None and github.app.jwt_failures
    assert token_posts(github) == 0


async def test_jwt_of_another_app_is_refused(
    github: RepoGitHub, app_key: rsa.RSAPrivateKey
) -> None:
    app = GitHubApp("1", _pem(app_key), base_url=github.url)
    with pytest.raises(GitHubAuthError):
        await app.token_for_repo(github.repo)
    assert github.app is not None
    assert any("iss" in failure for failure in github.app.jwt_failures)


async def test_personal_token_is_refused_in_app_mode(github: RepoGitHub) -> None:
    async with GitHubClient(github.url, "personal-token-not-accepted-in-app-mode") as client:
        with pytest.raises(GitHubAuthError):
            await client.get_repo(github.repo)


def test_private_key_from_file_with_escaped_newlines(
    tmp_path: Path, app_key: rsa.RSAPrivateKey
) -> None:
    key_file = tmp_path / "app.pem"
    key_file.write_text(_pem(app_key).replace("\n", "\\n"))
    settings = load_settings(github_app_id=str(APP_ID), github_app_private_key_file=key_file)
    identity = GitHubIdentity(settings)
    assert identity.app is not None and identity.configured
    assert settings.github_app_private_key_value() == _pem(app_key)
    assert "PRIVATE" not in repr(identity.app) and "PRIVATE" not in repr(settings)


def test_app_id_without_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="GITHUB_APP_PRIVATE_KEY"):
        GitHubIdentity(load_settings(github_app_id=str(APP_ID)))


@pytest.fixture
def settings_overrides(github: RepoGitHub, app_key: rsa.RSAPrivateKey) -> dict[str, Any]:
    return {
        "github_api_url": github.url,
        "github_app_id": str(APP_ID),
        "github_app_private_key": _pem(app_key),
    }


async def test_ci_failure_issue_opened_by_app_bot(
    api: httpx.AsyncClient, worker: Worker, github: RepoGitHub
) -> None:
    add_run(github, 9101)
    response = await deliver(api, "workflow_run", run_payload(github.repo, 9101))
    assert response.json()["status"] == "accepted", response.text
    issues = await eventually(lambda: ci_issues(github), what="the CI failure issue")
    assert issues[0]["user"]["login"] == f"{SLUG}[bot]"
    # Logs were downloaded with the installation token too; the JWT only fetched tokens.
    log_calls = github.requests_to("GET", r"/actions/jobs/\d+/logs$")
    assert log_calls and all(
        r.headers["authorization"].startswith("Bearer ghs_") for r in log_calls
    )
    assert token_posts(github) == 1


async def test_git_pushes_use_the_installation_token(
    github: RepoGitHub, app_key: rsa.RSAPrivateKey
) -> None:
    settings = load_settings(
        github_app_id=str(APP_ID), github_app_private_key=_pem(app_key), github_api_url=github.url
    )
    token = await GitHubIdentity(settings).git_token(github.repo)
    assert token is not None and github.app is not None
    assert github.app.installation_of(token) == INSTALLATION


async def test_recover_in_app_mode_reads_the_app_hook_with_the_jwt(
    github: RepoGitHub, settings: Settings, sessions: SessionFactory
) -> None:
    missed = github.add_delivery(
        guid=str(uuid.uuid4()), event="issues", status_code=503, age=timedelta(minutes=5)
    )
    report = await recover_missed(
        settings, sessions, GitHubIdentity(settings), window=timedelta(hours=1)
    )
    assert [h.hook for h in report.hooks] == [APP_HOOK]
    assert [a.delivery_id for a in report.hooks[0].asked] == [missed["id"]]
    asked = github.requests_to("POST", rf"/app/hook/deliveries/{missed['id']}/attempts$")
    assert len(asked) == 1 and not asked[0].headers["authorization"].startswith("Bearer ghs_")
    assert github.app is not None and not github.app.jwt_failures
