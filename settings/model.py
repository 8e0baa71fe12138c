"""`Settings`: every setting of hookflow, gathered from the concerns that declare them."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from settings.console import ConsoleSettings
from settings.delivery import DeliverySettings
from settings.github import GitHubSettings
from settings.notify import NotifySettings
from settings.operations import OperationsSettings
from settings.runs import RunSettings
from settings.secrets import SecretSettings
from settings.vault import VaultSettings


class Settings(
    SecretSettings,
    VaultSettings,
    DeliverySettings,
    GitHubSettings,
    RunSettings,
    NotifySettings,
    OperationsSettings,
    ConsoleSettings,
    BaseSettings,
):
    """One typed object built once at start-up (load_settings); each field is the variable of
    its upper-case name unless it declares other names (validation_alias)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    @property
    def github_configured(self) -> bool:
        """Some GitHub identity is set: a GitHub App or GITHUB_TOKEN."""
        return self.github_app_mode or bool(self.github_token_value())

    def secret_values(self) -> list[str]:
        """Every secret this process knows (Vault credentials too), for scrubbing log lines."""
        values = super().secret_values()
        values += [v for v in (self.vault_token_value(), self.vault_secret_id_value()) if v]
        return values
