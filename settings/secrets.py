"""Every secret setting: read from the variable, its `…_FILE` or Vault (settings/vault.py), refused
when empty or a placeholder, listed for scrubbing log lines."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, PrivateAttr, SecretStr, model_validator

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

# Every secret field and its key in Vault (seed 000: `vault kv put secret/atlasia
# github-webhook-secret=…`; the others are the same kebab-case spelling of the variable).
VAULT_KEYS: dict[str, str] = {
    "github_webhook_secret": "github-webhook-secret",
    "github_webhook_secret_previous": "github-webhook-secret-previous",
    "github_webhook_repo_secrets": "github-webhook-repo-secrets",
    "api_token": "api-token",
    "console_token": "console-token",
    "github_token": "github-token",
    "github_app_private_key": "github-app-private-key",
    "llm_api_key": "llm-api-key",
    "metrics_token": "metrics-token",
    "temporal_api_key": "temporal-api-key",
    "notify_webhook_url": "notify-webhook-url",
}
# A webhook secret that is set but empty is an error (an empty HMAC key signs anything); an
# empty token is the same as none.
_STRICT = {"github_webhook_secret", "github_webhook_secret_previous", "github_webhook_repo_secrets"}


class ConfigError(RuntimeError):
    """Configuration that cannot work; raised at start-up with a message that says what to set."""


def read_secret(
    value: SecretStr | str | None, file: Path | None, name: str, *, strict: bool = True
) -> str | None:
    """The secret from `name` or `name_FILE`; None when neither is set. A file that is empty
    (or only whitespace) is refused; so is an empty variable when `strict`, else it is None."""
    if file is not None:
        try:
            text = file.read_text().strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE={file} cannot be read: {exc.strerror}") from None
        if not text:  # a file named on purpose and left empty is a mistake, whatever it holds
            raise ConfigError(
                f"{name}_FILE={file} is empty: put the secret in it, or unset {name}_FILE"
            )
        return text
    if value is None:
        return None
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if not text.strip():
        if strict:
            raise ConfigError(f"{name} is set but empty: give the secret, or unset {name}")
        return None
    return text


def parse_repo_secrets(text: str | None) -> dict[str, list[bytes]]:
    """`owner/repo=secret,…` → {repo: [secret]}; messages name repositories, never a value."""
    result: dict[str, list[bytes]] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        repo, sep, secret = item.partition("=")
        repo = repo.strip()
        # Never quote an entry without "=": it may be a secret.
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


def check_webhook_secret(value: str, name: str) -> None:
    if value.strip() in PLACEHOLDER_SECRETS:
        raise ConfigError(f"{name} is a placeholder; generate a real one")


def _secret_method(field: str) -> Callable[[SecretSettings], str | None]:
    """A method returning one secret field's value (see SecretSettings.secret)."""

    def value(settings: SecretSettings) -> str | None:
        return settings.secret(field)

    return value


class SecretSettings(BaseModel):
    """Webhook secrets, tokens and keys; each value reaches code only through a method here.
    Every one has a `…_FILE` variant (mounted secrets); the variable or file wins over Vault."""

    github_webhook_secret: SecretStr | None = None
    github_webhook_secret_file: Path | None = None
    github_webhook_secret_previous: SecretStr | None = None
    github_webhook_secret_previous_file: Path | None = None
    # Per-repository secrets for /webhook/{owner}/{repo}: "owner/repo=secret,owner/other=secret2"
    github_webhook_repo_secrets: SecretStr | None = None
    github_webhook_repo_secrets_file: Path | None = None
    api_token: SecretStr | None = None
    api_token_file: Path | None = None
    console_token: SecretStr | None = None
    console_token_file: Path | None = None
    github_token: SecretStr | None = None
    github_token_file: Path | None = None
    github_app_private_key: SecretStr | None = None
    github_app_private_key_file: Path | None = None
    llm_api_key: SecretStr | None = None
    llm_api_key_file: Path | None = None
    # When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`.
    metrics_token: SecretStr | None = None
    metrics_token_file: Path | None = None
    temporal_api_key: SecretStr | None = None
    temporal_api_key_file: Path | None = None
    # Chat webhook URLs (Slack's, …) are credentials: whoever has one can post.
    notify_webhook_url: SecretStr | None = None
    notify_webhook_url_file: Path | None = None
    # Fields whose value came from Vault (settings/vault_fill.py), not from the environment.
    _from_vault: frozenset[str] = PrivateAttr(default=frozenset())

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> SecretSettings:
        for name in (
            "github_webhook_secret",
            "github_webhook_secret_previous",
            "api_token",
            "console_token",
        ):
            value = getattr(self, name)
            if value is not None and value.get_secret_value().strip() in PLACEHOLDER_SECRETS:
                raise ValueError(f"{name.upper()} is a placeholder value; generate a real one")
        return self

    def secret(self, field: str) -> str | None:
        """The value of one secret field (variable, `…_FILE`, or filled in from Vault)."""
        return read_secret(
            getattr(self, field),
            getattr(self, f"{field}_file"),
            field.upper(),
            strict=field in _STRICT,
        )

    def explicitly_set(self, field: str) -> bool:
        """Set by the environment, a dotenv file or a `…_FILE` (not filled in from Vault)."""
        if field in self._from_vault:
            return False
        return getattr(self, field) is not None or getattr(self, f"{field}_file") is not None

    @property
    def vault_filled(self) -> frozenset[str]:
        return self._from_vault

    @cached_property
    def webhook_secrets(self) -> list[bytes]:
        """Every active webhook secret (current first, then the one being rotated out)."""
        found = []
        for field in ("github_webhook_secret", "github_webhook_secret_previous"):
            value = self.secret(field)
            if value:
                check_webhook_secret(value, "GITHUB_WEBHOOK_SECRET")
                found.append(value.encode())
        return found

    @cached_property
    def repo_secrets(self) -> dict[str, list[bytes]]:
        """Per-repository secrets for /webhook/{owner}/{repo} paths."""
        return parse_repo_secrets(self.secret("github_webhook_repo_secrets"))

    def secret_values(self) -> list[str]:
        """Every secret this process knows, for scrubbing log lines."""
        values = [s.decode() for s in self.webhook_secrets]
        values += [s.decode() for group in self.repo_secrets.values() for s in group]
        for field in (
            "api_token",
            "console_token",
            "github_token",
            "metrics_token",
            "temporal_api_key",
        ):
            value = self.secret(field)
            if value:
                values.append(value)
        return values

    metrics_token_value = _secret_method("metrics_token")
    temporal_api_key_value = _secret_method("temporal_api_key")
    github_token_value = _secret_method("github_token")
    notify_webhook_url_value = _secret_method("notify_webhook_url")
    llm_api_key_value = _secret_method("llm_api_key")  # None for model servers without keys

    def api_token_value(self) -> str | None:
        token = self.secret("api_token")
        if token is not None and token.strip() in PLACEHOLDER_SECRETS:  # from a file, too
            raise ConfigError("API_TOKEN is a placeholder value; generate a real one")
        return token

    def console_token_value(self) -> str | None:
        """What the console's sign-in form takes: CONSOLE_TOKEN when set, else API_TOKEN."""
        return self.secret("console_token") or self.api_token_value()

    def github_app_private_key_value(self) -> str | None:
        """The App's PEM key; `\\n` escapes (a key squeezed into one env line) become newlines."""
        key = self.secret("github_app_private_key")
        return key.replace("\\n", "\n") if key else None

    def require_api(self) -> None:
        """Fail start-up with a clear message instead of running unauthenticated."""
        require_api_secrets(self.webhook_secrets, self.repo_secrets, self.api_token_value())


def require_api_secrets(
    shared: list[bytes],
    per_repo: dict[str, list[bytes]],
    api_token: str | None,
    *,
    vault_path: str | None = None,
) -> None:
    """The API never runs unauthenticated; with Vault the message names its path and key."""
    if not shared and not per_repo:
        if vault_path:
            raise ConfigError(
                f"Vault secret VAULT_SECRET_PATH={vault_path} has no key github-webhook-secret "
                "(and GITHUB_WEBHOOK_SECRET is not set): webhooks are never accepted "
                "unauthenticated"
            )
        raise ConfigError(
            "GITHUB_WEBHOOK_SECRET (or GITHUB_WEBHOOK_SECRET_FILE, or github-webhook-secret in "
            "Vault) is required: webhooks are never accepted unauthenticated"
        )
    if not api_token:
        if vault_path:
            raise ConfigError(
                f"Vault secret VAULT_SECRET_PATH={vault_path} has no key api-token (and "
                "API_TOKEN is not set): the read API is never served without a token"
            )
        raise ConfigError("API_TOKEN is required: the read API is never served without a token")
