"""Vault as the secret source (seed 000: `vault kv put secret/atlasia github-webhook-secret=…`),
against FakeVault (a real HTTP server with Vault's shapes and errors) through hvac: start-up
with the secret only in Vault, rotation while the API runs, an outage after start, clear
start-up errors, and no secret or token in logs, answers or the database."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from api.main import create_app
from db.engine import SessionFactory
from db.models import WebhookEvent
from settings import ConfigError, Settings, load_settings
from settings.vault_client import VaultError
from tests.support.app import serve as _serve
from tests.support.fakes.vault import FakeVault
from tests.support.files import load_fixture
from tests.support.waiting import eventually
from tests.support.webhooks import API_TOKEN, deliver

OLD = "vault-webhook-secret-old-0123456789"
NEW = "vault-webhook-secret-new-9876543210"
PATHS = {"secret/data/atlasia"}
PUSH = "events/push.main.json"


@pytest.fixture
def vault() -> Iterator[FakeVault]:
    with FakeVault() as fake:
        fake.put("secret", "atlasia", {"github-webhook-secret": OLD, "api-token": API_TOKEN})
        yield fake


@pytest.fixture
def vault_token(vault: FakeVault) -> str:
    return vault.add_token(PATHS)


@pytest.fixture
def settings_overrides(vault: FakeVault, vault_token: str) -> dict[str, Any]:
    # No webhook secret or API token in the settings: Vault holds them.
    return {
        "github_webhook_secret": None,
        "api_token": None,
        "vault_addr": vault.url,
        "vault_token": vault_token,
        "vault_refresh": timedelta(milliseconds=200),
        "vault_rotation_grace": timedelta(seconds=5),
    }


def env_for(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **values: str) -> None:
    monkeypatch.chdir(tmp_path)  # no ./.env
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.atlas/.env
    for name, value in values.items():
        monkeypatch.setenv(name, value)


# --- start-up: load_settings fills what the environment does not set --------------------------


def test_load_settings_takes_secrets_only_in_vault(
    vault: FakeVault, vault_token: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    vault.put(
        "secret",
        "atlasia",
        {"github-webhook-secret": OLD, "api-token": API_TOKEN, "github-token": "ghp_fromvault"},
    )
    env_for(monkeypatch, tmp_path, VAULT_ADDR=vault.url, VAULT_TOKEN=vault_token)
    settings = load_settings()
    assert settings.webhook_secrets == [OLD.encode()]
    assert settings.api_token_value() == API_TOKEN
    assert settings.github_token_value() == "ghp_fromvault"
    assert settings.vault_filled == {"github_webhook_secret", "api_token", "github_token"}
    assert vault_token in settings.secret_values()


def test_explicit_variable_and_file_win_over_vault(
    vault: FakeVault, vault_token: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    token_file = tmp_path / "api_token"
    token_file.write_text("token-from-a-file\n")
    env_for(
        monkeypatch,
        tmp_path,
        VAULT_ADDR=vault.url,
        VAULT_TOKEN_FILE=str(tmp_path / "vt"),
        GITHUB_WEBHOOK_SECRET="from-the-environment-123",
        API_TOKEN_FILE=str(token_file),
    )
    (tmp_path / "vt").write_text(vault_token)
    settings = load_settings()
    assert settings.webhook_secrets == [b"from-the-environment-123"]
    assert settings.api_token_value() == "token-from-a-file"
    assert settings.vault_filled == frozenset()


def approle(vault: FakeVault, tmp_path: Path) -> dict[str, str]:
    vault.add_approle("role-1", "secret-id-1", PATHS)
    return {"VAULT_ROLE_ID": "role-1", "VAULT_SECRET_ID": "secret-id-1"}


def kubernetes(vault: FakeVault, tmp_path: Path) -> dict[str, str]:
    jwt = tmp_path / "sa-token"
    jwt.write_text("eyJhbGciOiJSUzI1NiJ9.pod.sig")
    vault.add_k8s_role("hookflow", "eyJhbGciOiJSUzI1NiJ9.pod.sig", PATHS)
    return {"VAULT_K8S_ROLE": "hookflow", "VAULT_K8S_TOKEN_PATH": str(jwt)}


@pytest.mark.parametrize(
    ("login", "path"),
    [(approle, "/v1/auth/approle/login"), (kubernetes, "/v1/auth/kubernetes/login")],
    ids=["approle", "kubernetes"],
)
def test_login_reads_the_secret(
    login: Callable[[FakeVault, Path], dict[str, str]],
    path: str,
    vault: FakeVault,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    env_for(monkeypatch, tmp_path, VAULT_ADDR=vault.url, **login(vault, tmp_path))
    assert load_settings().webhook_secrets == [OLD.encode()]
    assert any(p == path for _, p, _ in vault.requests)


@pytest.mark.parametrize(
    ("case", "kind", "words"),
    [
        ("unreachable", "unreachable", ["VAULT_ADDR=http://127.0.0.1:9", "unreachable"]),
        ("wrong token", "denied", ["permission denied", "VAULT_TOKEN"]),
        ("bad approle", "refused", ["AppRole"]),
        ("no policy for the path", "denied", ["permission denied", "secret/atlasia"]),
        ("missing path", "missing", ["VAULT_SECRET_PATH=secret/elsewhere"]),
        ("sealed", "sealed", ["sealed"]),
    ],
)
def test_vault_start_up_errors_say_what_to_fix(
    vault: FakeVault,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    case: str,
    kind: str,
    words: list[str],
) -> None:
    good = vault.add_token(PATHS | {"secret/data/elsewhere"})
    env = {"VAULT_ADDR": vault.url, "VAULT_TOKEN": good}
    if case == "unreachable":
        env["VAULT_ADDR"] = "http://127.0.0.1:9"
    elif case == "wrong token":
        env["VAULT_TOKEN"] = "hvs.not-a-token-hookflow-knows"
    elif case == "bad approle":
        vault.add_approle("role-1", "right", PATHS)
        env = {"VAULT_ADDR": vault.url, "VAULT_ROLE_ID": "role-1", "VAULT_SECRET_ID": "wrong"}
    elif case == "no policy for the path":
        env["VAULT_TOKEN"] = vault.add_token({"secret/data/other"})
    elif case == "missing path":
        env["VAULT_SECRET_PATH"] = "secret/elsewhere"
    elif case == "sealed":
        vault.sealed = True
    env_for(monkeypatch, tmp_path, **env)
    with pytest.raises(VaultError) as info:
        load_settings()
    message = str(info.value)
    assert info.value.kind == kind, message
    for word in words:
        assert word in message, message
    for value in (good, OLD, "right", "wrong", env.get("VAULT_TOKEN", "")):
        if len(value) >= 4:
            assert value not in message


async def test_api_refuses_to_start_when_vault_lacks_the_key(
    vault: FakeVault, settings: Settings
) -> None:
    vault.put("secret", "atlasia", {"api-token": API_TOKEN})  # no github-webhook-secret
    app = create_app(settings)
    with pytest.raises(ConfigError) as info:
        async with app.router.lifespan_context(app):
            pass
    assert "VAULT_SECRET_PATH=secret/atlasia" in str(info.value)
    assert "github-webhook-secret" in str(info.value)


# --- the running API ---------------------------------------------------------------------------


async def status_of(api: httpx.AsyncClient, secret: str) -> int:
    return (await deliver(api, "push", load_fixture(PUSH), secret=secret)).status_code


async def test_secret_only_in_vault_rotation_and_outage(
    api: httpx.AsyncClient,
    vault: FakeVault,
    vault_token: str,
    sessions: SessionFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    assert await status_of(api, OLD) == 200
    assert await status_of(api, NEW) == 401
    assert (
        await api.get("/api/runs", headers={"Authorization": f"Bearer {API_TOKEN}"})
    ).status_code == 200

    # Rotation in Vault: the new secret is taken without a restart, the old one stays valid
    # for VAULT_ROTATION_GRACE (5 s here), then only the new one.
    vault.put("secret", "atlasia", {"github-webhook-secret": NEW, "api-token": API_TOKEN})
    rotated = asyncio.get_running_loop().time()

    async def new_accepted() -> bool:
        return await status_of(api, NEW) == 200

    await eventually(new_accepted, within=10, what="the rotated secret to be accepted")
    assert asyncio.get_running_loop().time() - rotated < 4.5, "the re-read took too long"
    assert await status_of(api, OLD) == 200  # in flight when GitHub switched: still fine

    async def old_refused() -> bool:
        return await status_of(api, OLD) == 401

    await eventually(old_refused, within=10, what="the old secret to expire after the grace")
    assert asyncio.get_running_loop().time() - rotated >= 5
    assert await status_of(api, NEW) == 200

    # Vault goes away: the last good secret stays in force; /readyz and the metric say so.
    vault.stop()

    async def stale() -> dict[str, Any] | None:
        body = (await api.get("/readyz")).json()
        return body if "unavailable" in str(body["secrets"].get("vault")) else None

    ready = await eventually(stale, within=10, what="readyz to report Vault unavailable")
    assert "VAULT_ADDR" in ready["secrets"]["error"]
    assert await status_of(api, NEW) == 200
    metrics = (await api.get("/metrics")).text
    assert "hookflow_vault_up 0.0" in metrics
    vault.start()

    async def fresh() -> bool:
        return (await api.get("/readyz")).json()["secrets"].get("vault") == "ok"

    await eventually(fresh, within=10, what="readyz to report Vault ok again")
    assert "hookflow_vault_up 1.0" in (await api.get("/metrics")).text

    # No secret or token in logs, answers or the database.
    async with sessions() as session:
        stored = json.dumps(
            [r.model_dump(mode="json") for r in (await session.exec(select(WebhookEvent))).all()]
        )
    texts = [caplog.text, stored, json.dumps(ready), metrics]
    for value in (OLD, NEW, API_TOKEN, vault_token):
        for text in texts:
            assert value not in text


async def test_token_is_renewed_before_it_expires(vault: FakeVault, settings: Settings) -> None:
    short = vault.add_token(PATHS, ttl=2, renewable=True)
    conf = Settings(**{**settings.model_dump(), "vault_token": short})
    app = create_app(conf)
    async for client in _serve(app):
        await asyncio.sleep(3.5)  # past the first TTL: only renewals keep the token alive
        assert vault.tokens[short].renewals >= 1
        assert (await client.get("/readyz")).json()["secrets"]["vault"] == "ok"
