"""hookflow's identity on GitHub (GITHUB_TOKEN, or a GitHub App's installation tokens), the
client factory activities use (one client per activity call, one token cache per worker) and the
base of the activity classes that call GitHub."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from temporalio.exceptions import ApplicationError

from activities.github_errors import github_call
from db.engine import SessionFactory
from ghclient import GitHubApp, GitHubClient
from ops.worker_metrics import github_response
from settings import ConfigError, Settings

GitHubFactory = Callable[[], GitHubClient]


def github_app(settings: Settings) -> GitHubApp | None:
    """The GitHub App of GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY(_FILE), or None in token mode."""
    if not settings.github_app_mode:
        return None
    key = settings.github_app_private_key_value()
    if not key:
        raise ConfigError(
            "GITHUB_APP_ID is set but GITHUB_APP_PRIVATE_KEY (or GITHUB_APP_PRIVATE_KEY_FILE) "
            "is not: the App cannot authenticate"
        )
    return GitHubApp(settings.github_app_id.strip(), key, base_url=settings.github_api_url)


class GitHubIdentity:
    """Who hookflow is on GitHub. Build once per process: App tokens are cached here."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.app = github_app(settings)

    @property
    def configured(self) -> bool:
        return self.app is not None or bool(self._settings.github_token_value())

    def client(self) -> GitHubClient:
        """A client acting as the App's installation for each repository, or with the token."""
        if self.app is not None:
            return GitHubClient(
                self._settings.github_api_url, self.app, on_response=github_response
            )
        token = self._settings.github_token_value()
        if not token:
            raise ApplicationError(
                "neither GITHUB_TOKEN nor GITHUB_APP_ID is set: GitHub write-back is off",
                type="ConfigError",
                non_retryable=True,
            )
        return GitHubClient(self._settings.github_api_url, token, on_response=github_response)

    async def git_token(self, repo: str | None) -> str | None:
        """The token git uses for `repo`'s HTTPS remote (an installation token in App mode)."""
        if self.app is not None and repo:
            return await self.app.token_for_repo(repo)
        return self._settings.github_token_value()


def github_factory(settings: Settings) -> GitHubFactory:
    """A factory for clients of a fresh identity (tests; the worker shares one identity)."""
    return GitHubIdentity(settings).client


class GitHubActivities:
    """Activities that call GitHub: `async with self._github_call(what) as github:` opens a
    client for the calls and turns their failures into Temporal's terms (`github_call`).
    `sessions` is the database, for those that also read or write it."""

    def __init__(
        self,
        settings: Settings,
        sessions: SessionFactory | None = None,
        github: GitHubFactory | None = None,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._github = github or github_factory(settings)

    @contextlib.asynccontextmanager
    async def _github_call(self, what: str) -> AsyncIterator[GitHubClient]:
        async with self._github() as github, github_call(what):
            yield github
