"""GitHub App identity: JWT → installation token (cached, renewed on expiry and on 401), REST
calls and CI-failure issues authored by `<app-slug>[bot]`, against the fake GitHub."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from temporalio.worker import Worker

from activities.github_client import GitHubIdentity
from activities.recover import APP_HOOK, recover_missed
from db.engine import SessionFactory
from settings import Settings
from tests.support.ci_runs import RepoGitHub, add_run, ci_issues, run_payload
from tests.support.github_app import APP_ID, SLUG, private_pem, token_posts
from tests.support.waiting import eventually
from tests.support.webhooks import deliver


@pytest.fixture
def settings_overrides(app_github: RepoGitHub, app_key: rsa.RSAPrivateKey) -> dict[str, Any]:
    return {
        "github_api_url": app_github.url,
        "github_app_id": str(APP_ID),
        "github_app_private_key": private_pem(app_key),
    }


async def test_ci_failure_issue_opened_by_app_bot(
    api: httpx.AsyncClient, worker: Worker, app_github: RepoGitHub
) -> None:
    add_run(app_github, 9101)
    response = await deliver(api, "workflow_run", run_payload(app_github.repo, 9101))
    assert response.json()["status"] == "accepted", response.text
    issues = await eventually(lambda: ci_issues(app_github), what="the CI failure issue")
    assert issues[0]["user"]["login"] == f"{SLUG}[bot]"
    # Logs were downloaded with the installation token too; the JWT only fetched tokens.
    log_calls = app_github.requests_to("GET", r"/actions/jobs/\d+/logs$")
    assert log_calls and all(
        r.headers["authorization"].startswith("Bearer ghs_") for r in log_calls
    )
    assert token_posts(app_github) == 1


async def test_recover_in_app_mode_reads_the_app_hook_with_the_jwt(
    app_github: RepoGitHub, settings: Settings, sessions: SessionFactory
) -> None:
    missed = app_github.add_delivery(
        guid=str(uuid.uuid4()), event="issues", status_code=503, age=timedelta(minutes=5)
    )
    report = await recover_missed(
        settings, sessions, GitHubIdentity(settings), window=timedelta(hours=1)
    )
    assert [h.hook for h in report.hooks] == [APP_HOOK]
    assert [a.delivery_id for a in report.hooks[0].asked] == [missed["id"]]
    asked = app_github.requests_to("POST", rf"/app/hook/deliveries/{missed['id']}/attempts$")
    assert len(asked) == 1 and not asked[0].headers["authorization"].startswith("Bearer ghs_")
    assert app_github.app is not None and not app_github.app.jwt_failures
