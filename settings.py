"""One typed settings object, read from the environment in exactly one place.

Long by design: every setting of hookflow is declared here once, with its default, validation
and derived values (`durations`), so no other module reads the environment."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from egress.allowlist import AllowEntry, parse_allow_hosts

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


# Settings holding one duration each: validated when Settings loads, parsed by Settings.durations.
_DURATION_FIELDS = (
    "run_phase_timeout",
    "run_retry_window",
    "run_ci_timeout",
    "run_reconcile_interval",
    "llm_timeout",
    "run_feedback_window",
    "ingest_batch_window",
    "notify_group_wait",
    "notify_group_interval",
    "notify_check_wait",
    "notify_repeat_interval",
    "ci_failure_reopen_window",
    "blocked_ack_timeout",
    "webhook_retention",
    "rejected_retention",
    "log_retention",
    "recover_window",
    "dispatch_max_age",
    "run_trigger_permission_ttl",
)


@dataclass(frozen=True)
class Durations:
    """Every duration setting as a timedelta; the one place the settings' durations are parsed."""

    run_phase_timeout: timedelta
    run_retry_window: timedelta
    run_ci_timeout: timedelta
    run_reconcile_interval: timedelta
    llm_timeout: timedelta
    run_feedback_window: timedelta
    ingest_batch_window: timedelta
    notify_group_wait: timedelta
    notify_group_interval: timedelta
    notify_check_wait: timedelta
    notify_repeat_interval: timedelta
    ci_failure_reopen_window: timedelta
    blocked_ack_timeout: timedelta
    webhook_retention: timedelta
    rejected_retention: timedelta
    log_retention: timedelta
    recover_window: timedelta
    dispatch_max_age: timedelta
    run_trigger_permission_ttl: timedelta
    recover_interval: timedelta | None  # None: no recovery schedule
    blocked_escalation_delays: tuple[timedelta, ...]


def parse_repo_hooks(text: str) -> list[tuple[str, int]]:
    """`owner/repo:hook_id,…` → [(repo, hook id)]."""
    result = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        repo, _, hook = item.rpartition(":")
        if repo.count("/") != 1 or not hook.isdigit():
            raise ValueError(f"not owner/repo:hook_id: {item!r}")
        result.append((repo, int(hook)))
    return result


def git_base_from(git_url: str, api_url: str) -> str:
    """The git host runs clone from: the explicit URL, else derived from the REST base URL."""
    if git_url.strip():
        return git_url.strip().rstrip("/")
    parts = urlsplit(api_url.strip())
    host = parts.netloc
    if host == "api.github.com":
        host = "github.com"
    elif host.startswith("api.") and not parts.path.strip("/"):
        host = host[len("api.") :]  # GitHub Enterprise Cloud with data residency: api.<host>
    path = parts.path.rstrip("/")
    if path.endswith("/api/v3"):
        path = path[: -len("/api/v3")]
    return urlunsplit((parts.scheme or "https", host, path, "", "")).rstrip("/")


class ConfigError(RuntimeError):
    """Configuration that cannot work; raised at start-up with a message that says what to set."""


def _read_secret(value: SecretStr | None, file: Path | None, name: str) -> str | None:
    """The secret from `name` or `name_FILE`; None when neither is set. A variable or file
    that is set but empty (or only whitespace) is refused: an empty HMAC key signs anything."""
    if file is not None:
        try:
            text = file.read_text().strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE={file} cannot be read: {exc.strerror}") from None
        if not text:
            raise ConfigError(
                f"{name}_FILE={file} is empty: put the secret in it, or unset {name}_FILE"
            )
        return text
    if value is None:
        return None
    text = value.get_secret_value()
    if not text.strip():
        raise ConfigError(f"{name} is set but empty: give the secret, or unset {name}")
    return text


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    # --- ingestion ---
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
    # A delivery Temporal keeps refusing for transient reasons ends as `failed` after this
    # many attempts or this long after it arrived (GitHub's redelivery window is 3 days).
    dispatch_max_attempts: int = Field(default=50, ge=1)
    dispatch_max_age: str = "3d"
    # Group commit: deliveries arriving within this window share one INSERT and one commit
    # (each still answered only after its commit). "0s" records each delivery on its own.
    ingest_batch_window: str = "2ms"

    # --- temporal ---
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "hookflow"
    temporal_ui_url: str = ""
    # Where people reach this API (e.g. https://hookflow.example.com): links in comments.
    api_public_url: str = ""

    # --- github REST ---
    github_token: SecretStr | None = None
    github_api_url: str = "https://api.github.com"
    # Where runs clone and push ({GITHUB_GIT_URL}/{owner}/{repo}.git); empty derives it from
    # GITHUB_API_URL. Payload clone URLs are never used.
    github_git_url: str = ""

    # --- GitHub App identity and delivery recovery (instead of / beside GITHUB_TOKEN) ---
    github_app_id: str = ""
    github_app_private_key: SecretStr | None = None
    github_app_private_key_file: Path | None = None
    # Missed-delivery recovery: repository hooks to check ("owner/repo:hook_id,…"); in App mode
    # the App's own hook is checked too. RECOVER_INTERVAL empty = no schedule.
    recover_repo_hooks: str = ""
    recover_interval: str = ""
    recover_window: str = "24h"

    # --- AI runs ---
    run_agent: Literal["command", "http", "llm", ""] = ""
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
    # How often the worker closes run rows whose workflow ended from outside (terminated …).
    run_reconcile_interval: str = "30s"

    # --- built-in LLM agent (RUN_AGENT=llm), review feedback and slash commands ---
    llm_base_url: str = "https://api.openai.com/v1"
    llm_api_key: SecretStr | None = None
    llm_api_key_file: Path | None = None
    llm_model: str = ""
    llm_max_tokens: int = 4096
    # Bytes of issue, earlier artifacts and repository content one request may carry.
    llm_context_bytes: int = 200_000
    llm_timeout: str = "5m"  # per HTTP request; the phase as a whole has RUN_PHASE_TIMEOUT
    llm_max_retries: int = 4  # 429 / 5xx / timeouts, honouring retry-after
    run_prompts_dir: Path | None = None
    # A SUCCEEDED run still takes review feedback (as a follow-up on its branch) this long.
    run_feedback_window: str = "7d"
    # Implement iterations per run, CI fixes and review feedback together.
    run_max_iterations: int = 5
    # The name people @mention in reviews and use in slash commands (/hookflow …).
    hookflow_handle: str = "hookflow"

    # The command agent's sandbox: bubblewrap when it works (auto), always (bwrap) or never (none).
    run_agent_sandbox: Literal["auto", "bwrap", "none"] = "auto"
    run_agent_bind: str = ""  # extra read-only paths inside the sandbox ("path,path")
    run_agent_env: str = ""  # names passed to the agent besides PATH, LANG, LC_*, TZ, HOOKFLOW_*
    # Agent stdout, patch and log are each kept up to this many bytes (one truncation marker).
    run_artifact_max_bytes: int = 262_144

    # --- agent safety: network, who may start work (issue 18) ---
    # proxy: own network namespace, egress only through hookflow's proxy to
    # RUN_AGENT_ALLOW_HOSTS; none: loopback only; host: the worker's network (unsafe).
    run_agent_network: Literal["proxy", "host", "none"] = "proxy"
    # "host" (ports 80, 443), "host:port", "*.domain" (names below it), comma separated.
    run_agent_allow_hosts: str = ""
    # The least GitHub role whose label, /hookflow run or review feedback starts work.
    run_trigger_permission: Literal["read", "triage", "write", "maintain", "admin"] = "write"
    run_trigger_permission_ttl: str = "60s"  # how long a looked-up permission is reused

    # --- notifications ---
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

    # --- repository automation ---
    ci_failure_label: str = "ci-failure"
    ci_failure_reopen_window: str = "10d"
    blocked_label: str = "blocked"
    blocked_escalation_delays: str = "4h,24h,72h"
    blocked_ack_timeout: str = "24h"

    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    # --- metrics ---
    # When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`.
    metrics_token: SecretStr | None = None
    worker_metrics_port: int = 9464  # 0 turns the worker's metrics endpoint off
    worker_metrics_host: str = "0.0.0.0"

    # --- worker memory ---
    # Open workflows kept in the worker's memory (Temporal's sticky cache). One costs ~150 KB
    # (Python and SDK core); an evicted one is rebuilt from its history when it next wakes.
    worker_max_cached_workflows: int = Field(250, ge=0)
    # Workflow tasks a worker holds at once. Python runs one activation at a time, so more only
    # queue inside the worker; in a burst they outlive the server's 10 s task timeout and are
    # redone.
    worker_max_concurrent_workflow_tasks: int = Field(20, ge=2)

    # --- retention ---
    # A duration ("1d") or a cron expression ("0 3 * * *"); "off" disables the schedule.
    retention_schedule: str = "1d"
    webhook_retention: str = "30d"
    rejected_retention: str = "7d"
    log_retention: str = "30d"
    retention_batch_size: int = 1000
    # Unsigned deliveries recorded per source address and minute; the rest are only counted.
    rejected_record_per_minute: int = 10

    # --- temporal beyond localhost (mTLS cluster or Temporal Cloud) ---
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_tls_ca: Path | None = None
    temporal_tls_server_name: str = ""
    temporal_api_key: SecretStr | None = None

    @field_validator("run_artifact_max_bytes")
    @classmethod
    def _check_artifact_size(cls, value: int) -> int:
        if value < 1024:
            raise ValueError("RUN_ARTIFACT_MAX_BYTES must be at least 1024")
        return value

    @field_validator("run_agent_allow_hosts")
    @classmethod
    def _check_allow_hosts(cls, value: str) -> str:
        parse_allow_hosts(value)
        return value

    @field_validator(*_DURATION_FIELDS)
    @classmethod
    def _check_duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("recover_interval")
    @classmethod
    def _check_optional_duration(cls, value: str) -> str:
        if value.strip():
            parse_duration(value)
        return value

    @field_validator("recover_repo_hooks")
    @classmethod
    def _check_repo_hooks(cls, value: str) -> str:
        parse_repo_hooks(value)
        return value

    @field_validator("blocked_escalation_delays")
    @classmethod
    def _check_durations(cls, value: str) -> str:
        if not parse_durations(value):
            raise ValueError("needs at least one duration, e.g. 4h,24h,72h")
        return value

    @field_validator("retention_schedule")
    @classmethod
    def _check_schedule(cls, value: str) -> str:
        text = value.strip()
        if text.lower() in ("off", "") or len(text.split()) in (5, 6):
            return text
        parse_duration(text)
        return text

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
                self.github_webhook_secret,
                self.github_webhook_secret_file,
                "GITHUB_WEBHOOK_SECRET",
            ),
            _read_secret(
                self.github_webhook_secret_previous,
                self.github_webhook_secret_previous_file,
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
            if not item.strip():
                continue
            repo, sep, secret = item.partition("=")
            repo = repo.strip()
            # Messages name the repository only (never an entry without "=": it may be a secret).
            if not sep:
                raise ConfigError(
                    "GITHUB_WEBHOOK_REPO_SECRETS: every entry must be "
                    "owner/repo=secret (an entry has no '=')"
                )
            if "/" not in repo:
                raise ConfigError(
                    "GITHUB_WEBHOOK_REPO_SECRETS: every entry must be "
                    f"owner/repo=secret (got {repo!r} before '=')"
                )
            if not secret.strip():
                raise ConfigError(
                    f"GITHUB_WEBHOOK_REPO_SECRETS: the secret for {repo} is "
                    "empty; an empty HMAC key lets anyone sign deliveries"
                )
            result.setdefault(repo, []).append(secret.strip().encode())
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
    def durations(self) -> Durations:
        # Parsed on each read (cheap) so a model_copy(update=…) never sees stale values.
        interval = self.recover_interval.strip()
        return Durations(
            **{name: parse_duration(getattr(self, name)) for name in _DURATION_FIELDS},
            recover_interval=parse_duration(interval) if interval else None,
            blocked_escalation_delays=tuple(parse_durations(self.blocked_escalation_delays)),
        )

    @property
    def run_reconcile_seconds(self) -> float:
        return self.durations.run_reconcile_interval.total_seconds()

    @property
    def git_base_url(self) -> str:
        """GITHUB_GIT_URL, or the web host of GITHUB_API_URL (api.github.com → github.com,
        https://host/api/v3 → https://host)."""
        return git_base_from(self.github_git_url, self.github_api_url)

    @property
    def run_agent_bind_list(self) -> list[str]:
        return [p.strip() for p in self.run_agent_bind.split(",") if p.strip()]

    @property
    def run_agent_allow_entries(self) -> tuple[AllowEntry, ...]:
        return parse_allow_hosts(self.run_agent_allow_hosts)

    @property
    def run_agent_env_names(self) -> list[str]:
        return [n.strip() for n in self.run_agent_env.split(",") if n.strip()]

    @property
    def log_path(self) -> Path:
        return self.log_dir.expanduser()

    @property
    def priority_overrides(self) -> dict[str, str]:
        pairs = (item.split("=", 1) for item in self.priority_map.split(",") if "=" in item)
        return {k.strip(): v.strip() for k, v in pairs}

    def secret_values(self) -> list[str]:
        """Every secret this process knows, for scrubbing log lines."""
        values = [s.decode() for s in self.webhook_secrets]
        values += [s.decode() for group in self.repo_secrets.values() for s in group]
        for item in (self.api_token, self.github_token, self.metrics_token, self.temporal_api_key):
            if item is not None and item.get_secret_value():
                values.append(item.get_secret_value())
        return values

    def metrics_token_value(self) -> str | None:
        return self.metrics_token.get_secret_value() if self.metrics_token else None

    def temporal_api_key_value(self) -> str | None:
        return self.temporal_api_key.get_secret_value() if self.temporal_api_key else None

    def api_token_value(self) -> str | None:
        return self.api_token.get_secret_value() if self.api_token else None

    def llm_api_key_value(self) -> str | None:
        """The model key (LLM_API_KEY or LLM_API_KEY_FILE); None for servers without keys."""
        return _read_secret(self.llm_api_key, self.llm_api_key_file, "LLM_API_KEY")

    def github_token_value(self) -> str | None:
        return self.github_token.get_secret_value() if self.github_token else None

    def github_app_private_key_value(self) -> str | None:
        """The App's PEM key; `\\n` escapes (a key squeezed into one env line) become newlines."""
        key = _read_secret(
            self.github_app_private_key, self.github_app_private_key_file, "GITHUB_APP_PRIVATE_KEY"
        )
        return key.replace("\\n", "\n") if key else None

    @property
    def github_app_mode(self) -> bool:
        return bool(self.github_app_id.strip())

    @property
    def github_configured(self) -> bool:
        """Some GitHub identity is set: a GitHub App or GITHUB_TOKEN."""
        return self.github_app_mode or bool(self.github_token_value())

    @property
    def recover_hooks(self) -> list[tuple[str, int]]:
        return parse_repo_hooks(self.recover_repo_hooks)

    def require_api(self) -> None:
        """Fail start-up with a clear message instead of running unauthenticated."""
        shared, per_repo = self.webhook_secrets, self.repo_secrets  # both checked for blanks
        if not shared and not per_repo:
            raise ConfigError(
                "GITHUB_WEBHOOK_SECRET (or GITHUB_WEBHOOK_SECRET_FILE) is required: "
                "webhooks are never accepted unauthenticated"
            )
        if not self.api_token_value():
            raise ConfigError("API_TOKEN is required: the read API is never served without a token")


# Seed 002 keeps its secret in this file; read when present, below ./.env and the environment.
ATLAS_ENV_FILE = Path("~/.atlas/.env")


def env_files() -> tuple[Path, ...]:
    """Dotenv files to read, lowest priority first; the environment beats all of them."""
    named = os.environ.get("HOOKFLOW_ENV_FILE")
    chosen = Path(named or ".env").expanduser()
    if named and not chosen.exists():
        raise ConfigError(f"HOOKFLOW_ENV_FILE={named} does not exist")
    atlas = ATLAS_ENV_FILE.expanduser()
    return tuple(p for p in (atlas, chosen) if p.exists())


def load_settings(**overrides: object) -> Settings:
    """Build the settings once (entry points call this; tests pass overrides)."""
    return Settings(_env_file=env_files() or None, **overrides)  # type: ignore[arg-type,call-arg]
