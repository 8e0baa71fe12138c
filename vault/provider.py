"""The API's secrets as it runs: one object the request path reads (attribute reads, no I/O),
re-read from Vault every VAULT_REFRESH. A webhook secret rotated in Vault is accepted at once;
the one it replaced stays accepted for VAULT_ROTATION_GRACE. A Vault outage keeps the last good
values (status() and the metrics say so); explicit variables and `…_FILE`s always win."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from settings import Settings
from settings.secrets import (
    VAULT_KEYS,
    check_webhook_secret,
    parse_repo_secrets,
    require_api_secrets,
)
from settings.vault_client import VaultError, VaultSource

log = logging.getLogger("hookflow.secrets")
RETRY_AFTER_FAILURE = 30.0  # seconds: a Vault that failed is tried again sooner than VAULT_REFRESH


@dataclass(frozen=True)
class ApiSecrets:
    """One consistent set of the secrets the API checks requests against."""

    webhook: tuple[bytes, ...] = ()
    repos: dict[str, tuple[bytes, ...]] = field(default_factory=dict)
    api_token: str | None = None
    metrics_token: str | None = None

    def values(self) -> list[str]:
        found = [s.decode() for s in self.webhook]
        found += [s.decode() for group in self.repos.values() for s in group]
        return found + [v for v in (self.api_token, self.metrics_token) if v]


def build_secrets(settings: Settings, vault: dict[str, str]) -> ApiSecrets:
    """Explicit settings first, then Vault's keys, for each secret the API uses."""

    def pick(name: str) -> str | None:
        if settings.explicitly_set(name):
            return settings.secret(name)
        value = vault.get(VAULT_KEYS[name], "")
        return value.strip() or None

    webhook = []
    for name in ("github_webhook_secret", "github_webhook_secret_previous"):
        value = pick(name)
        if value:
            check_webhook_secret(value, name.upper())
            webhook.append(value.encode())
    repos = parse_repo_secrets(pick("github_webhook_repo_secrets"))
    return ApiSecrets(
        webhook=tuple(webhook),
        repos={repo: tuple(values) for repo, values in repos.items()},
        api_token=pick("api_token"),
        metrics_token=pick("metrics_token"),
    )


class SecretProvider:
    """Read by the request path; refreshed by run_forever() (the API's lifespan starts it)."""

    def __init__(
        self,
        settings: Settings,
        source: VaultSource | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_values: Callable[[list[str]], None] = lambda values: None,
        on_refresh: Callable[[bool], None] = lambda ok: None,
    ) -> None:
        self._settings = settings
        self._source = source
        self._clock = clock
        self._on_values = on_values  # e.g. mask new values in log lines
        self._on_refresh = on_refresh  # metrics
        self._grace = settings.vault_rotation_grace.total_seconds()
        self._interval = settings.vault_refresh.total_seconds()
        self._secrets = build_secrets(settings, {})
        # Secrets Vault held before a rotation: (repo or "", value) -> accepted until (clock).
        self._retired: dict[tuple[str, bytes], float] = {}
        self.last_success: datetime | None = None
        self.last_error: str | None = None

    @classmethod
    def static(cls, settings: Settings) -> SecretProvider:
        """Without Vault: the settings' values, fixed for the process's life."""
        return cls(settings)

    def load(self) -> None:
        """The first read (blocking): a Vault that cannot be used is a start-up error."""
        if self._source is not None:
            self._source.login()
            self._apply(self._source.read())
            self.last_success = datetime.now(UTC)
        require_api_secrets(
            list(self._secrets.webhook),
            {r: list(v) for r, v in self._secrets.repos.items()},
            self._secrets.api_token,
            vault_path=self._source.secret_path if self._source else None,
        )
        self._publish()

    # --- the request path: attribute reads and a clock call, nothing else -------------------
    @property
    def webhook_secrets(self) -> list[bytes]:
        return [*self._secrets.webhook, *self._still_accepted("")]

    def repo_secrets(self, full_name: str) -> list[bytes] | None:
        found = [*self._secrets.repos.get(full_name, ()), *self._still_accepted(full_name)]
        return found or None

    def known_repos(self) -> frozenset[str]:
        return frozenset(self._secrets.repos)

    @property
    def api_token(self) -> str | None:
        return self._secrets.api_token

    @property
    def metrics_token(self) -> str | None:
        return self._secrets.metrics_token

    def _still_accepted(self, repo: str) -> list[bytes]:
        if not self._retired:
            return []
        now = self._clock()
        return [value for (r, value), until in self._retired.items() if r == repo and now < until]

    # --- refreshing -------------------------------------------------------------------------
    def _apply(self, data: dict[str, str]) -> None:
        new = build_secrets(self._settings, data)
        old = self._secrets
        until = self._clock() + self._grace
        now = self._clock()
        self._retired = {k: t for k, t in self._retired.items() if now < t}
        for value in old.webhook:
            if value not in new.webhook:
                self._retired[("", value)] = until
        for repo, values in old.repos.items():
            for value in values:
                if value not in new.repos.get(repo, ()):
                    self._retired[(repo, value)] = until
        if new != old:
            log.info("secrets re-read from Vault: changed")
        self._secrets = new

    def _publish(self) -> None:
        values = self._secrets.values()
        if self._source is not None and self._source.token:
            values.append(self._source.token)
        self._on_values(values)

    def refresh(self) -> bool:
        """One re-read (blocking); on failure the last good values stay in force."""
        if self._source is None:
            return True
        try:
            self._source.keep_alive()
            self._apply(self._source.read())
        except Exception as exc:  # noqa: BLE001 - any failure keeps the last good values
            self.last_error = str(exc) if isinstance(exc, VaultError) else type(exc).__name__
            log.warning("Vault refresh failed; keeping the last good secrets: %s", self.last_error)
            self._on_refresh(False)
            return False
        self.last_success = datetime.now(UTC)
        self.last_error = None
        self._publish()
        self._on_refresh(True)
        return True

    async def run_forever(self) -> None:
        if self._source is None:
            return
        while True:
            wait = (
                self._interval
                if self.last_error is None
                else min(self._interval, RETRY_AFTER_FAILURE)
            )
            renew_at = self._source.renew_at
            if renew_at is not None:
                wait = max(0.0, min(wait, renew_at - self._clock()))
            await asyncio.sleep(wait)
            await asyncio.to_thread(self.refresh)

    def status(self) -> dict[str, object]:
        """For /readyz: where the secrets come from and whether Vault's are current."""
        if self._source is None:
            return {"source": "settings"}
        since = self.last_success.isoformat() if self.last_success else None
        if self.last_error is None:
            return {"source": "vault", "vault": "ok", "last_read": since}
        return {
            "source": "vault",
            "vault": f"unavailable, using the last good secrets read at {since}",
            "error": self.last_error,
            "last_read": since,
        }

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
