"""One typed settings object, read from the environment in exactly one place."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values copied from docs or templates; refusing them stops a "secret" nobody chose.
PLACEHOLDER_SECRETS = {
    "changethis",
    "your-secret-here",
    "your_secret",
    "your_secret_here",
    "your_generated_secret_here",
    "secret",
    "YOUR_SECRET_HERE",
}

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}


def parse_duration(text: str) -> timedelta:
    """Parse `90s`, `5m`, `4h`, `10d` (a bare number is seconds)."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 5m, 4h, 10d)")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def parse_durations(text: str) -> list[timedelta]:
    return [parse_duration(part) for part in text.split(",") if part.strip()]


class ConfigError(RuntimeError):
    """Configuration that cannot work; raised at start-up with a message that says what to set."""


def _read_secret(value: SecretStr | None, file: Path | None, name: str) -> str | None:
    if file is not None:
        try:
            text = file.read_text().strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE={file} cannot be read: {exc.strerror}") from None
        return text or None
    if value is None:
        return None
    return value.get_secret_value() or None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    # --- ingestion (seed 000 / seed 002) ---
    github_webhook_secret: SecretStr | None = None
    github_webhook_secret_file: Path | None = None
    github_webhook_secret_previous: SecretStr | None = None
    github_webhook_secret_previous_file: Path | None = None
    # Per-repository secrets for /webhook/{owner}/{repo}: "owner/repo=secret,owner/other=secret2"
    github_webhook_repo_secrets: SecretStr | None = None
    # Optional allow-list of repositories ("owner/repo,owner/other"); empty allows all.
    allowed_repos: str = ""
    webhook_port: int = 9000
    webhook_host: str = "0.0.0.0"
    max_body_bytes: int = 26_214_400
    database_url: str = "postgresql+psycopg://hookflow:hookflow@localhost:5432/hookflow"
    api_token: SecretStr | None = None
    dispatch_interval_seconds: float = 2.0
    # How long the webhook request itself may try to start workflows before leaving them
    # to the dispatcher (GitHub waits at most 10 s for the reply).
    dispatch_inline_timeout_seconds: float = 3.0
    # Group commit: deliveries arriving within this window share one INSERT and one commit
    # (each still answered only after its commit). "0s" records each delivery on its own.
    ingest_batch_window: str = "2ms"

    # --- temporal ---
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "hookflow"
    temporal_ui_url: str = ""

    # --- github REST ---
    github_token: SecretStr | None = None
    github_api_url: str = "https://api.github.com"

    # --- AI runs (issue 3) ---
    run_agent: Literal["command", "http", ""] = ""
    run_agent_command: str = ""
    run_agent_url: str = ""
    run_phases: str = "qualify,plan,implement,test,document,report"
    run_max_ci_iterations: int = 3
    run_approval_required: bool = False
    run_workspace_dir: Path = Path("~/.hookflow/workspaces")
    run_phase_timeout: str = "30m"
    # How long a run whose phase failed waits for a `retry` signal, and how long it waits for CI.
    run_retry_window: str = "1h"
    run_ci_timeout: str = "6h"

    # --- notifications (issue 4 / seed 002) ---
    watched_branches: str = "main,master,develop"
    log_dir: Path = Path("~/.atlas/webhook_logs")
    priority_map: str = ""  # "workflow_run.failure=high,check_run.failure=medium"
    aimaestro_url: str = ""
    aimaestro_from: str = "hookflow"
    aimaestro_to: str = "orchestrator"
    notify_webhook_url: str = ""
    notify_webhook_format: Literal["json", "slack"] = "json"
    # Alertmanager's model: wait before a new group's first notification, batch what follows.
    notify_group_wait: str = "0s"
    # NOTIFY_GROUP_WINDOW is the earlier name of NOTIFY_GROUP_INTERVAL, still accepted.
    notify_group_interval: str = Field(
        "5m", validation_alias=AliasChoices("notify_group_interval", "notify_group_window")
    )
    # How long a check_run failure may wait for the workflow_run failure that covers it.
    notify_check_wait: str = "30s"
    notify_repeat_interval: str = "4h"

    # --- repository automation (issue 5) ---
    ci_failure_label: str = "ci-failure"
    ci_failure_reopen_window: str = "10d"
    blocked_label: str = "blocked"
    blocked_escalation_delays: str = "4h,24h,72h"
    blocked_ack_timeout: str = "24h"

    log_level: str = "INFO"

    @field_validator(
        "run_phase_timeout",
        "run_retry_window",
        "run_ci_timeout",
        "ingest_batch_window",
        "notify_group_wait",
        "notify_group_interval",
        "notify_check_wait",
        "notify_repeat_interval",
        "ci_failure_reopen_window",
        "blocked_ack_timeout",
    )
    @classmethod
    def _check_duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("blocked_escalation_delays")
    @classmethod
    def _check_durations(cls, value: str) -> str:
        if not parse_durations(value):
            raise ValueError("needs at least one duration, e.g. 4h,24h,72h")
        return value

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        for name in ("github_webhook_secret", "github_webhook_secret_previous", "api_token"):
            value = getattr(self, name)
            if value is not None and value.get_secret_value().strip() in PLACEHOLDER_SECRETS:
                raise ValueError(f"{name.upper()} is a placeholder value; generate a real one")
        return self

    # --- derived values ---
    @cached_property
    def webhook_secrets(self) -> list[bytes]:
        """Every active webhook secret (current first, then the one being rotated out)."""
        secrets = [
            _read_secret(
                self.github_webhook_secret, self.github_webhook_secret_file,
                "GITHUB_WEBHOOK_SECRET",
            ),
            _read_secret(
                self.github_webhook_secret_previous, self.github_webhook_secret_previous_file,
                "GITHUB_WEBHOOK_SECRET_PREVIOUS",
            ),
        ]
        found = [s for s in secrets if s]
        for s in found:
            if s in PLACEHOLDER_SECRETS:
                raise ConfigError("GITHUB_WEBHOOK_SECRET is a placeholder; generate a real one")
        return [s.encode() for s in found]

    @cached_property
    def repo_secrets(self) -> dict[str, list[bytes]]:
        """Per-repository secrets for /webhook/{owner}/{repo} paths."""
        result: dict[str, list[bytes]] = {}
        if self.github_webhook_repo_secrets is None:
            return result
        for item in self.github_webhook_repo_secrets.get_secret_value().split(","):
            if "=" in item:
                repo, secret = item.split("=", 1)
                result.setdefault(repo.strip(), []).append(secret.strip().encode())
        return result

    @property
    def allowed_repo_set(self) -> frozenset[str]:
        return frozenset(r.strip() for r in self.allowed_repos.split(",") if r.strip())

    @property
    def watched_branch_set(self) -> frozenset[str]:
        return frozenset(b.strip() for b in self.watched_branches.split(",") if b.strip())

    @property
    def run_phase_list(self) -> list[str]:
        return [p.strip() for p in self.run_phases.split(",") if p.strip()]

    @property
    def log_path(self) -> Path:
        return self.log_dir.expanduser()

    @property
    def priority_overrides(self) -> dict[str, str]:
        pairs = (item.split("=", 1) for item in self.priority_map.split(",") if "=" in item)
        return {k.strip(): v.strip() for k, v in pairs}

    def api_token_value(self) -> str | None:
        return self.api_token.get_secret_value() if self.api_token else None

    def github_token_value(self) -> str | None:
        return self.github_token.get_secret_value() if self.github_token else None

    def require_api(self) -> None:
        """Fail start-up with a clear message instead of running unauthenticated."""
        if not self.webhook_secrets and not self.repo_secrets:
            raise ConfigError(
                "GITHUB_WEBHOOK_SECRET (or GITHUB_WEBHOOK_SECRET_FILE) is required: "
                "webhooks are never accepted unauthenticated"
            )
        if not self.api_token_value():
            raise ConfigError("API_TOKEN is required: the read API is never served without a token")


def load_settings(**overrides: object) -> Settings:
    """Build the settings once (entry points call this; tests pass overrides)."""
    return Settings(**overrides)  # type: ignore[arg-type]
