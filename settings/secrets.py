"""Every secret setting: read from the variable or its `…_FILE`, refused when empty or a
placeholder, listed for scrubbing log lines."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, SecretStr, model_validator

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


class ConfigError(RuntimeError):
    """Configuration that cannot work; raised at start-up with a message that says what to set."""


def read_secret(value: SecretStr | None, file: Path | None, name: str) -> str | None:
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


class SecretSettings(BaseModel):
    """Webhook secrets, tokens and keys; each value reaches code only through a method here."""

    github_webhook_secret: SecretStr | None = None
    github_webhook_secret_file: Path | None = None
    github_webhook_secret_previous: SecretStr | None = None
    github_webhook_secret_previous_file: Path | None = None
    # Per-repository secrets for /webhook/{owner}/{repo}: "owner/repo=secret,owner/other=secret2"
    github_webhook_repo_secrets: SecretStr | None = None
    api_token: SecretStr | None = None
    # The operator console's sign-in token; without it the console takes API_TOKEN.
    console_token: SecretStr | None = None
    github_token: SecretStr | None = None
    github_app_private_key: SecretStr | None = None
    github_app_private_key_file: Path | None = None
    llm_api_key: SecretStr | None = None
    llm_api_key_file: Path | None = None
    # When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`.
    metrics_token: SecretStr | None = None
    temporal_api_key: SecretStr | None = None

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

    @cached_property
    def webhook_secrets(self) -> list[bytes]:
        """Every active webhook secret (current first, then the one being rotated out)."""
        secrets = [
            read_secret(
                self.github_webhook_secret,
                self.github_webhook_secret_file,
                "GITHUB_WEBHOOK_SECRET",
            ),
            read_secret(
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

    def secret_values(self) -> list[str]:
        """Every secret this process knows, for scrubbing log lines."""
        values = [s.decode() for s in self.webhook_secrets]
        values += [s.decode() for group in self.repo_secrets.values() for s in group]
        for item in (
            self.api_token,
            self.console_token,
            self.github_token,
            self.metrics_token,
            self.temporal_api_key,
        ):
            if item is not None and item.get_secret_value():
                values.append(item.get_secret_value())
        return values

    def metrics_token_value(self) -> str | None:
        return self.metrics_token.get_secret_value() if self.metrics_token else None

    def temporal_api_key_value(self) -> str | None:
        return self.temporal_api_key.get_secret_value() if self.temporal_api_key else None

    def api_token_value(self) -> str | None:
        return self.api_token.get_secret_value() if self.api_token else None

    def console_token_value(self) -> str | None:
        """What the console's sign-in form takes: CONSOLE_TOKEN when set, else API_TOKEN."""
        if self.console_token is not None and self.console_token.get_secret_value().strip():
            return self.console_token.get_secret_value()
        return self.api_token_value()

    def llm_api_key_value(self) -> str | None:
        """The model key (LLM_API_KEY or LLM_API_KEY_FILE); None for servers without keys."""
        return read_secret(self.llm_api_key, self.llm_api_key_file, "LLM_API_KEY")

    def github_token_value(self) -> str | None:
        return self.github_token.get_secret_value() if self.github_token else None

    def github_app_private_key_value(self) -> str | None:
        """The App's PEM key; `\\n` escapes (a key squeezed into one env line) become newlines."""
        key = read_secret(
            self.github_app_private_key, self.github_app_private_key_file, "GITHUB_APP_PRIVATE_KEY"
        )
        return key.replace("\\n", "\n") if key else None

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
