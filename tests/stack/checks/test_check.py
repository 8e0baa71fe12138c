"""`hookflow check` against the test session's PostgreSQL and Temporal, the fake GitHub and the
fake AI Maestro: all good, then each broken part gives its line and a failing exit status, and
no secret is ever printed."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from temporalio.worker import Worker

from checks.runner import report
from devstack.postgres import free_port
from settings import Settings, load_settings
from tests.support.checks import ALL_EVENTS, REPO, TOKEN, line
from tests.support.fakes import FakeGitHub
from tests.support.fakes.sinks import FakeAIMaestro, FakeChatWebhook
from tests.support.services import PostgresAddress
from tests.support.webhooks import API_TOKEN, SECRET
from tests.support.worker_process import settings_env

HOOKFLOW = str(Path(sys.executable).parent / "hookflow")


@pytest.fixture
def settings_overrides(
    checks_github: FakeGitHub, public_url: str, maestro: FakeAIMaestro, tmp_path: Path
) -> dict[str, Any]:
    checks_github.add_repo_hook(
        REPO, url=f"{public_url}/api/webhooks/github", events=ALL_EVENTS, secret=SECRET
    )
    return {
        "github_token": TOKEN,
        "github_api_url": checks_github.url,
        "api_public_url": public_url,
        "allowed_repos": REPO,
        "aimaestro_url": maestro.url,
        "run_workspace_dir": tmp_path / "workspaces",
    }


def variant(settings: Settings, **changes: Any) -> Settings:
    """The same settings with some changed, loaded as an entry point loads them."""
    return load_settings(**{**settings.model_dump(), **changes})


def as_env(settings: Settings) -> dict[str, str]:
    """The environment an operator would set for these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "TEMPORAL_"))}
    return env | settings_env(settings)


async def hookflow_check(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        HOOKFLOW,
        "check",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for value in (TOKEN, SECRET, API_TOKEN):
            assert value not in text


async def test_check_all_good_exits_zero(settings: Settings, worker: Worker) -> None:
    code, out, err = await hookflow_check(as_env(settings), "--json")
    document = json.loads(out)
    assert code == 0, out + err
    assert document["ok"] is True
    statuses = {check["name"]: check["status"] for check in document["checks"]}
    assert set(statuses.values()) == {"ok"}, statuses
    for name in (
        "configuration",
        "database",
        "temporal namespace",
        "temporal search attributes",
        "temporal worker",
        f"github {REPO}",
        f"github {REPO} hook",
        f"github {REPO} hook secret",
        "ai maestro",
        "agent",
    ):
        assert name in statuses
    assert_no_secret(out, err)


async def test_check_temporal_namespace_missing(settings: Settings) -> None:
    code, text = await report(
        variant(settings, temporal_namespace="no-such-namespace"), repos=[REPO]
    )
    assert code == 1
    row = line(text, "temporal namespace")
    assert row.startswith("FAIL  ") and "no namespace 'no-such-namespace'" in row
    assert "temporal operator namespace create --namespace no-such-namespace" in row
    assert_no_secret(text)


async def test_check_temporal_unreachable(settings: Settings) -> None:
    code, text = await report(
        variant(settings, temporal_address=f"127.0.0.1:{free_port()}"), repos=[REPO]
    )
    assert code == 1
    assert line(text, "temporal").startswith("FAIL  temporal: cannot connect to 127.0.0.1:")


@pytest.fixture
def empty_database(postgres: PostgresAddress) -> Iterator[str]:
    with postgres.scratch_database() as url:
        yield url


async def test_check_database_not_migrated(settings: Settings, empty_database: str) -> None:
    code, text = await report(variant(settings, database_url=empty_database), repos=[REPO])
    assert code == 1
    row = line(text, "database")
    assert row.startswith("FAIL  ") and "has no hookflow schema — run `hookflow migrate`" in row
    assert_no_secret(text)


async def test_check_database_migrated_by_a_newer_hookflow(settings: Settings) -> None:
    url = settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    code, text = await report(settings, repos=[REPO])
    assert code == 1
    assert "9999_from_the_future, which this hookflow does not know" in line(text, "database")


async def test_check_database_unreachable_hides_password(settings: Settings) -> None:
    url = f"postgresql+psycopg://hookflow:pw-9f8e7d6c5b@127.0.0.1:{free_port()}/hookflow"
    code, text = await report(variant(settings, database_url=url), repos=[REPO])
    assert code == 1
    assert line(text, "database").startswith("FAIL  database: postgresql+psycopg://hookflow:***@")
    assert "pw-9f8e7d6c5b" not in text


async def test_check_ai_maestro_down(settings: Settings) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    code, text = await report(variant(settings, aimaestro_url=down), repos=[REPO])
    assert code == 1
    row = line(text, "ai maestro")
    assert row.startswith(f"FAIL  ai maestro: {down} unreachable: ConnectError")
    assert_no_secret(text)


async def test_check_ai_maestro_unknown_recipient_warns(settings: Settings) -> None:
    maestro = FakeAIMaestro(agents={"someone-else"}).start()
    try:
        code, text = await report(variant(settings, aimaestro_url=maestro.url), repos=[REPO])
    finally:
        maestro.stop()
    assert line(text, "ai maestro").startswith("warn  ai maestro: AI Maestro does not know")
    assert maestro.requests == []  # nothing was sent to anyone


async def test_check_unparsable_setting_names_it_without_the_value(settings: Settings) -> None:
    env = as_env(settings) | {"WEBHOOK_PORT": "nine-thousand"}
    code, out, err = await hookflow_check(env)
    assert code == 1
    row = line(out, "configuration")
    assert row.startswith("FAIL  configuration: WEBHOOK_PORT: Input should be a valid integer")
    assert "nine-thousand" not in out
    assert_no_secret(out, err)


async def test_check_missing_webhook_secret_fails(settings: Settings) -> None:
    env = {k: v for k, v in as_env(settings).items() if k != "GITHUB_WEBHOOK_SECRET"}
    code, out, _ = await hookflow_check(env, "--repo", REPO)
    assert code == 1
    assert line(out, "webhook secret").startswith("FAIL  webhook secret: no GITHUB_WEBHOOK_SECRET")


async def test_check_unreadable_secret_file_fails(settings: Settings, tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "secret.txt"
    changed = variant(settings, github_webhook_secret=None, github_webhook_secret_file=missing)
    code, text = await report(changed, repos=[REPO])
    assert code == 1
    assert f"GITHUB_WEBHOOK_SECRET_FILE={missing} cannot be read" in line(text, "webhook secret")


async def test_check_chat_webhook_reachable_without_posting(
    settings: Settings, chat: FakeChatWebhook
) -> None:
    url = f"{chat.url}/services/T000/B000/credential-in-the-path"
    code, text = await report(variant(settings, notify_webhook_url=url), repos=[REPO])
    assert code == 0, text
    assert line(text, "chat webhook").startswith(f"ok    chat webhook: {chat.url} answers")
    assert "credential-in-the-path" not in text
    assert chat.requests == []  # nothing was posted


async def test_check_chat_webhook_down(settings: Settings) -> None:
    url = f"http://127.0.0.1:{free_port()}/hooks/credential-in-the-path"
    code, text = await report(variant(settings, notify_webhook_url=url), repos=[REPO])
    assert code == 1
    assert "unreachable: ConnectError" in line(text, "chat webhook")
    assert "credential-in-the-path" not in text
