"""The configuration checks: every setting parses, required secrets are present, the files the
settings name can be read and the directories written (no connection is made here)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from checks.result import Check, fail, ok, warn
from ops.temporal_connect import connect_options
from routing.notifications import validate_priority_overrides
from settings import ConfigError, Settings, load_settings


def load() -> tuple[Settings | None, list[Check]]:
    """The settings as every entry point reads them, or None with the reasons they do not load."""
    try:
        settings = load_settings()
    except ValidationError as exc:
        # Each error names the variable and the rule, never the value (it may be a secret).
        return None, [
            fail(
                "configuration",
                f"{_variable(error['loc'])}: {error['msg']}",
                "fix the variable (environment, .env or HOOKFLOW_ENV_FILE)",
            )
            for error in exc.errors(include_url=False, include_input=False)
        ]
    except ConfigError as exc:
        return None, [fail("configuration", str(exc))]
    return settings, [ok("configuration", "every setting parsed")]


def _variable(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc).upper() or "settings"


def _guarded(name: str, probe: Callable[[], Check]) -> Check:
    """A check whose reading of the settings may raise ConfigError (unreadable files…)."""
    try:
        return probe()
    except ConfigError as exc:
        return fail(name, str(exc))
    except ValueError as exc:
        return fail(name, str(exc))


def check_config(settings: Settings) -> list[Check]:
    return [
        _guarded("webhook secret", lambda: _webhook_secret(settings)),
        _guarded("api token", lambda: _api_token(settings)),
        _guarded("github identity", lambda: _github_identity(settings)),
        _guarded("temporal tls", lambda: _temporal_tls(settings)),
        _guarded("priority map", lambda: _priority_map(settings)),
        _writable("LOG_DIR", settings.log_path),
        _writable("RUN_WORKSPACE_DIR", settings.run_workspace_dir.expanduser()),
        *_prompts_dir(settings),
        _public_url(settings),
    ]


def _webhook_secret(settings: Settings) -> Check:
    shared, per_repo = settings.webhook_secrets, settings.repo_secrets
    if not shared and not per_repo:
        return fail(
            "webhook secret",
            "no GITHUB_WEBHOOK_SECRET: the API refuses to start without one",
            "set GITHUB_WEBHOOK_SECRET or GITHUB_WEBHOOK_SECRET_FILE (openssl rand -hex 32)",
        )
    parts = []
    if len(shared) > 1:
        parts.append("GITHUB_WEBHOOK_SECRET and its _PREVIOUS (a rotation in progress)")
    elif shared:
        parts.append("GITHUB_WEBHOOK_SECRET")
    if per_repo:
        parts.append(f"secrets of {len(per_repo)} repositories (GITHUB_WEBHOOK_REPO_SECRETS)")
    return ok("webhook secret", " and ".join(parts))


def _api_token(settings: Settings) -> Check:
    if not settings.api_token_value():
        return fail(
            "api token",
            "no API_TOKEN: the API refuses to start without one",
            "set API_TOKEN (openssl rand -hex 32)",
        )
    return ok("api token", "set")


def _github_identity(settings: Settings) -> Check:
    if settings.github_app_mode:
        key = settings.github_app_private_key_value()
        if not key:
            return fail(
                "github identity",
                f"GITHUB_APP_ID={settings.github_app_id} but no private key",
                "set GITHUB_APP_PRIVATE_KEY_FILE to the App's .pem file",
            )
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        try:
            load_pem_private_key(key.encode(), password=None)
        except (ValueError, TypeError):
            return fail(
                "github identity",
                "GITHUB_APP_PRIVATE_KEY is not a PEM private key",
                "download a new private key from the App's settings page",
            )
        return ok("github identity", f"GitHub App {settings.github_app_id}")
    if settings.github_token_value():
        return ok("github identity", "GITHUB_TOKEN")
    return warn(
        "github identity",
        "no GITHUB_TOKEN and no GitHub App: issues, comments and CI logs are out of reach",
        "set GITHUB_TOKEN, or GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY_FILE",
    )


def _temporal_tls(settings: Settings) -> Check:
    options = connect_options(settings)  # reads the certificate files
    if options.tls is False:
        return ok("temporal tls", "plain connection (no TEMPORAL_TLS_* or TEMPORAL_API_KEY)")
    return ok("temporal tls", "TLS" + (" with an API key" if options.api_key else ""))


def _priority_map(settings: Settings) -> Check:
    overrides = validate_priority_overrides(settings.priority_overrides)
    return ok("priority map", f"{len(overrides)} override(s)" if overrides else "defaults")


def _writable(variable: str, path: Path) -> Check:
    """The directory, or the nearest parent it would be created in, is writable."""
    name = variable.lower().replace("_", " ")
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        return fail(name, f"{variable}={path}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        return fail(
            name,
            f"{variable}={path} cannot be written by this user",
            f"create it and give this user write access (chown), or set {variable}",
        )
    return ok(name, f"{path} writable" if existing == path else f"{path} can be created")


def _prompts_dir(settings: Settings) -> list[Check]:
    path = settings.run_prompts_dir
    if path is None:
        return []
    if not path.expanduser().is_dir():
        return [fail("run prompts dir", f"RUN_PROMPTS_DIR={path} is not a directory")]
    return [ok("run prompts dir", str(path))]


def _public_url(settings: Settings) -> Check:
    url = settings.api_public_url.strip()
    if not url:
        return warn(
            "api public url",
            "API_PUBLIC_URL is not set: comments cannot link to runs, and the hook checks "
            "cannot tell which hook is hookflow's",
            "set API_PUBLIC_URL to where GitHub reaches this API (https://hookflow.example.com)",
        )
    if not url.startswith(("https://", "http://")):
        return fail("api public url", f"API_PUBLIC_URL={url} is not an http(s) URL")
    return ok("api public url", url)
