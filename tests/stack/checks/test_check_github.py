"""`hookflow check`, its GitHub part, against the fake GitHub: identity, each repository's
permissions (dry probes for a token, the installation's grants for an App) and the hook that
points at hookflow (events, and the secret compared by signing, never by reading it)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from checks.github import check_github, repos_to_check
from checks.hook_secret import signed_with
from checks.result import exit_status, render_text
from checks.runner import secret_values
from settings import Settings, load_settings
from tests.support.check_github import github_with_repo
from tests.support.checks import ALL_EVENTS, REPO, TOKEN, line
from tests.support.fakes import FakeGitHub
from tests.support.webhooks import API_TOKEN, SECRET

OTHER_SECRET = "another-hook-secret-9876543210"
PREVIOUS_SECRET = "the-previous-secret-1234567890"
APP_ID = 4242
SLUG = "hookflow-check"


def configure(github: FakeGitHub, public_url: str, **changes: object) -> Settings:
    values: dict[str, object] = {
        "github_webhook_secret": SECRET,
        "api_token": API_TOKEN,
        "github_token": TOKEN,
        "github_api_url": github.url,
        "api_public_url": public_url,
        "allowed_repos": REPO,
    }
    values.update(changes)
    return load_settings(**values)


def add_hook(
    github: FakeGitHub,
    public_url: str,
    *,
    events: list[str] = ALL_EVENTS,
    secret: str = SECRET,
    repo: str = REPO,
) -> None:
    github.add_repo_hook(
        repo, url=f"{public_url}/api/webhooks/github", events=events, secret=secret
    )


async def run(settings: Settings, *, ping: bool = False) -> tuple[int, str]:
    checks = await check_github(settings, repos_to_check(settings, []), ping=ping)
    return exit_status(checks), render_text(checks, secret_values(settings))


def assert_no_secret(text: str, *secrets: str) -> None:
    for value in (TOKEN, SECRET, API_TOKEN, *secrets):
        assert value not in text


async def test_check_github_all_good(checks_github: FakeGitHub, public_url: str) -> None:
    add_hook(checks_github, public_url)
    code, text = await run(configure(checks_github, public_url))
    assert code == 0, text
    assert line(text, "github identity").startswith("ok    ")
    assert "hookflow-bot" in line(text, "github identity")
    assert line(text, f"github {REPO}") == (
        f"ok    github {REPO}: issues write, pull requests write, actions read"
    )
    assert line(text, f"github {REPO} hook").startswith("ok    ")
    secret_line = line(text, f"github {REPO} hook secret")
    assert secret_line.startswith("ok    ") and "signed with GITHUB_WEBHOOK_SECRET" in secret_line
    assert_no_secret(text)


async def test_check_github_bad_token_fails_identity(
    checks_github: FakeGitHub, public_url: str
) -> None:
    wrong = "ghp_wrong0token0abcdefghijklmnopqrs"
    code, text = await run(configure(checks_github, public_url, github_token=wrong))
    assert code == 1
    assert line(text, "github identity").startswith("FAIL  ")
    assert "401 Bad credentials" in text
    assert f"github {REPO}" not in text  # nothing more to learn with a refused token
    assert_no_secret(text, wrong)


async def test_check_github_token_without_issues_write(public_url: str) -> None:
    granted = {"pull_requests": "write", "actions": "read", "repository_hooks": "read"}
    with github_with_repo(token_permissions=granted) as github:
        add_hook(github, public_url)
        code, text = await run(configure(github, public_url))
        created = github.issues(REPO)
    assert code == 1
    row = line(text, f"github {REPO}")
    assert row.startswith("FAIL  ") and "lacks issues write" in row
    assert "pull requests write" not in row.split("—")[0]
    assert created == []  # the dry probe created nothing
    assert_no_secret(text)


async def test_check_github_probes_contents_write_for_ai_runs(public_url: str) -> None:
    granted = {"issues": "write", "pull_requests": "write", "actions": "read"}
    with github_with_repo(token_permissions=granted) as github:
        settings = configure(
            github, public_url, run_agent="command", run_agent_command="true", api_public_url=""
        )
        code, text = await run(settings)
    assert code == 1
    assert "lacks contents write (AI-run branches)" in line(text, f"github {REPO}")


async def test_check_github_repository_the_token_cannot_see(
    checks_github: FakeGitHub, public_url: str
) -> None:
    code, text = await run(configure(checks_github, public_url, allowed_repos="octo/hidden"))
    assert code == 1
    assert "cannot see octo/hidden (HTTP 404)" in line(text, "github octo/hidden")


async def test_check_github_hook_missing_workflow_run(
    checks_github: FakeGitHub, public_url: str
) -> None:
    add_hook(checks_github, public_url, events=[e for e in ALL_EVENTS if e != "workflow_run"])
    code, text = await run(configure(checks_github, public_url))
    assert code == 1
    row = line(text, f"github {REPO} hook")
    assert row.startswith("FAIL  ")
    assert "lacks events workflow_run (CI notifications and CI-failure issues)" in row
    assert line(text, f"github {REPO} hook secret").startswith("ok    ")


async def test_check_github_hook_secret_mismatch(
    checks_github: FakeGitHub, public_url: str
) -> None:
    add_hook(checks_github, public_url, secret=OTHER_SECRET)
    code, text = await run(configure(checks_github, public_url))
    assert code == 1
    row = line(text, f"github {REPO} hook secret")
    assert row.startswith("FAIL  ")
    assert "signed with a secret that is none of hookflow's (no answer was recorded)" in row
    assert "GITHUB_WEBHOOK_SECRET" in row
    assert_no_secret(text, OTHER_SECRET)


async def test_check_github_hook_on_previous_secret_warns(
    checks_github: FakeGitHub, public_url: str
) -> None:
    add_hook(checks_github, public_url, secret=PREVIOUS_SECRET)
    settings = configure(checks_github, public_url, github_webhook_secret_previous=PREVIOUS_SECRET)
    code, text = await run(settings)
    assert code == 0
    row = line(text, f"github {REPO} hook secret")
    assert row.startswith("warn  ") and "GITHUB_WEBHOOK_SECRET_PREVIOUS" in row
    assert_no_secret(text, PREVIOUS_SECRET)


async def test_check_github_hook_without_secret_fails(
    checks_github: FakeGitHub, public_url: str
) -> None:
    add_hook(checks_github, public_url, secret="")
    code, text = await run(configure(checks_github, public_url))
    assert code == 1
    assert "sent unsigned" in line(text, f"github {REPO} hook secret")


async def test_check_github_no_hook_points_at_hookflow(
    checks_github: FakeGitHub, public_url: str
) -> None:
    checks_github.add_repo_hook(REPO, url="https://elsewhere.example/hook", events=ALL_EVENTS)
    code, text = await run(configure(checks_github, public_url))
    assert code == 1
    assert f"points at {public_url}/api/webhooks/github" in line(text, f"github {REPO} hook")


async def test_check_github_ping_checks_a_fresh_delivery(
    checks_github: FakeGitHub, public_url: str
) -> None:
    add_hook(checks_github, public_url, secret=OTHER_SECRET)
    hook = next(iter(checks_github.repo_hooks.values()))
    hook.secret = SECRET  # the operator fixed the secret on GitHub since the last delivery
    stale_code, _ = await run(configure(checks_github, public_url))
    code, text = await run(configure(checks_github, public_url), ping=True)
    assert (stale_code, code) == (1, 0), text
    assert len(checks_github.requests_to("POST", rf"/hooks/{hook.hook_id}/pings$")) == 1
    assert "(ping," in line(text, f"github {REPO} hook secret")


def test_signature_found_under_a_rails_escaped_encoding() -> None:
    payload = {"title": "a <b> & c", "body": "café"}
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        body = body.replace(char, escape)
    signature = "sha256=" + hmac.new(b"s3cret", body.encode(), hashlib.sha256).hexdigest()
    assert signed_with(payload, signature, [("A", b"other"), ("B", b"s3cret")]) == "B"
    assert signed_with(payload, signature, [("A", b"other")]) is None


# --- GitHub App mode ------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def app_github(app_key: rsa.RSAPrivateKey) -> Iterator[FakeGitHub]:
    public = app_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with FakeGitHub() as fake:
        fake.enable_app(app_id=APP_ID, public_key=public.decode(), slug=SLUG)
        for repo in (REPO, "octo/other"):
            fake.add_repo(repo)
        fake.install_app(REPO, 9001)
        yield fake


def app_settings(github: FakeGitHub, public_url: str, key: rsa.RSAPrivateKey) -> Settings:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return configure(
        github,
        public_url,
        github_token=None,
        github_app_id=str(APP_ID),
        github_app_private_key=pem,
        allowed_repos=f"{REPO},octo/other",
    )


async def test_check_github_app_not_installed_on_a_repository(
    app_github: FakeGitHub, public_url: str, app_key: rsa.RSAPrivateKey
) -> None:
    app_github.set_app_hook(url=f"{public_url}/api/webhooks/github", secret=SECRET)
    settings = app_settings(app_github, public_url, app_key)
    code, text = await run(settings)
    assert code == 1, text
    assert line(text, "github identity").startswith(f"ok    github identity: GitHub App {SLUG}")
    assert line(text, f"github {REPO}").startswith("ok    ")
    row = line(text, "github octo/other")
    assert row.startswith("FAIL  ") and "not installed on octo/other" in row
    assert f"https://github.com/apps/{SLUG}/installations/new" in row
    assert line(text, "github app hook").startswith("ok    ")
    assert line(text, "github app hook secret").startswith("ok    ")
    assert "PRIVATE KEY" not in text


async def test_check_github_app_installation_lacking_actions_read(
    app_github: FakeGitHub, public_url: str, app_key: rsa.RSAPrivateKey
) -> None:
    assert app_github.app is not None
    del app_github.app.permissions["actions"]
    app_github.app.events.remove("workflow_run")
    app_github.set_app_hook(url=f"{public_url}/api/webhooks/github", secret=OTHER_SECRET)
    code, text = await run(app_settings(app_github, public_url, app_key))
    assert code == 1
    assert "the App's installation lacks actions read" in line(text, f"github {REPO}")
    assert "lacks events workflow_run" in line(text, "github app hook")
    assert line(text, "github app hook secret").startswith("FAIL  ")
    assert_no_secret(text, OTHER_SECRET)
