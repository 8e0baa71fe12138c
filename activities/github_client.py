"""The GitHub client factory repository-automation activities use (one client per activity call)."""

from __future__ import annotations

from collections.abc import Callable

from temporalio.exceptions import ApplicationError

from ghclient import GitHubClient
from ops.worker_metrics import github_response
from settings import Settings

GitHubFactory = Callable[[], GitHubClient]


def github_factory(settings: Settings) -> GitHubFactory:
    """A factory for clients on GITHUB_API_URL with GITHUB_TOKEN (non-retryable if unset)."""

    def make() -> GitHubClient:
        token = settings.github_token_value()
        if not token:
            raise ApplicationError("GITHUB_TOKEN is not set: repository automation is off",
                                   type="ConfigError", non_retryable=True)
        return GitHubClient(settings.github_api_url, token, on_response=github_response)

    return make
