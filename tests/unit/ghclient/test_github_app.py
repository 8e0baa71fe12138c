"""GitHub App identity against the fake GitHub: JWT → installation token (cached, renewed on expiry
and on 401), REST calls and git pushes as `<app-slug>[bot]`, and the refused keys and
configurations."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from activities.github_client import GitHubIdentity
from ghclient import GitHubApp, GitHubAuthError, GitHubClient
from settings import ConfigError, load_settings
from tests.support.ci_runs import RepoGitHub
from tests.support.github_app import APP_ID, INSTALLATION, SLUG, private_pem, token_posts


async def test_comment_as_app_is_authored_by_bot(
    app_github: RepoGitHub, app_identity: GitHubApp
) -> None:
    issue = app_github.add_issue(app_github.repo, title="hello")
    async with GitHubClient(app_github.url, app_identity) as client:
        first = await client.create_comment(app_github.repo, issue["number"], "one")
        await client.create_comment(app_github.repo, issue["number"], "two")
    assert first["user"]["login"] == f"{SLUG}[bot]"
    assert [c["user"]["login"] for c in app_github.comments(app_github.repo, issue["number"])] == [
        f"{SLUG}[bot]",
        f"{SLUG}[bot]",
    ]
    # The installation is looked up once and its token reused while it is fresh.
    assert len(app_github.requests_to("GET", r"/installation$")) == 1
    assert token_posts(app_github) == 1
    comment_auth = app_github.requests_to("POST", r"/comments$")[0].headers["authorization"]
    assert comment_auth.startswith("Bearer ghs_")
    assert not app_github.app or not app_github.app.jwt_failures
    assert await app_identity.bot_login() == first["user"]["login"]


async def test_token_renewed_when_github_answers_401(
    app_github: RepoGitHub, app_identity: GitHubApp
) -> None:
    issue = app_github.add_issue(app_github.repo, title="hello")
    async with GitHubClient(app_github.url, app_identity) as client:
        await client.get_issue(app_github.repo, issue["number"])
        app_github.revoke_app_tokens()
        again = await client.get_issue(app_github.repo, issue["number"])
    assert again["number"] == issue["number"]
    assert token_posts(app_github) == 2
    refused = [r for r in app_github.requests_to("GET", rf"/issues/{issue['number']}$")]
    assert len(refused) == 3  # ok, 401 with the revoked token, ok with the new one


async def test_token_renewed_shortly_before_expiry(
    app_github: RepoGitHub, app_key: rsa.RSAPrivateKey
) -> None:
    assert app_github.app is not None
    app_github.app.token_ttl = 320  # renewed 300 s before expiry: fresh for 20 s
    offset = [0.0]
    app = GitHubApp(
        str(APP_ID),
        private_pem(app_key),
        base_url=app_github.url,
        clock=lambda: time.time() + offset[0],
    )
    first = await app.token_for_repo(app_github.repo)
    assert await app.token_for_repo(app_github.repo) == first
    offset[0] = 25.0
    second = await app.token_for_repo(app_github.repo)
    assert second != first
    assert token_posts(app_github) == 2


async def test_jwt_signed_with_another_key_is_refused(app_github: RepoGitHub) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    app = GitHubApp(str(APP_ID), private_pem(other), base_url=app_github.url)
    async with GitHubClient(app_github.url, app) as client:
        with pytest.raises(GitHubAuthError) as caught:
            await client.get_repo(app_github.repo)
    assert caught.value.status == 401
    assert app_github.app is not None and app_github.app.jwt_failures
    assert token_posts(app_github) == 0


async def test_jwt_of_another_app_is_refused(
    app_github: RepoGitHub, app_key: rsa.RSAPrivateKey
) -> None:
    app = GitHubApp("1", private_pem(app_key), base_url=app_github.url)
    with pytest.raises(GitHubAuthError):
        await app.token_for_repo(app_github.repo)
    assert app_github.app is not None
    assert any("iss" in failure for failure in app_github.app.jwt_failures)


async def test_personal_token_is_refused_in_app_mode(app_github: RepoGitHub) -> None:
    async with GitHubClient(app_github.url, "personal-token-not-accepted-in-app-mode") as client:
        with pytest.raises(GitHubAuthError):
            await client.get_repo(app_github.repo)


def test_private_key_from_file_with_escaped_newlines(
    tmp_path: Path, app_key: rsa.RSAPrivateKey
) -> None:
    key_file = tmp_path / "app.pem"
    key_file.write_text(private_pem(app_key).replace("\n", "\\n"))
    settings = load_settings(github_app_id=str(APP_ID), github_app_private_key_file=key_file)
    identity = GitHubIdentity(settings)
    assert identity.app is not None and identity.configured
    assert settings.github_app_private_key_value() == private_pem(app_key)
    assert "PRIVATE" not in repr(identity.app) and "PRIVATE" not in repr(settings)


def test_app_id_without_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="GITHUB_APP_PRIVATE_KEY"):
        GitHubIdentity(load_settings(github_app_id=str(APP_ID)))


async def test_git_pushes_use_the_installation_token(
    app_github: RepoGitHub, app_key: rsa.RSAPrivateKey
) -> None:
    settings = load_settings(
        github_app_id=str(APP_ID),
        github_app_private_key=private_pem(app_key),
        github_api_url=app_github.url,
    )
    token = await GitHubIdentity(settings).git_token(app_github.repo)
    assert token is not None and app_github.app is not None
    assert app_github.app.installation_of(token) == INSTALLATION
