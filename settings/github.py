"""Settings for talking to GitHub: REST and git hosts, the App identity, delivery recovery."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel

from settings.durations import Duration, OptionalDuration
from settings.parsed import parsed_by


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


class GitHubSettings(BaseModel):
    github_api_url: str = "https://api.github.com"
    # Where runs clone and push ({GITHUB_GIT_URL}/{owner}/{repo}.git); empty derives it from
    # GITHUB_API_URL. Payload clone URLs are never used.
    github_git_url: str = ""
    # GitHub App identity (instead of / beside GITHUB_TOKEN); its key is in SecretSettings.
    github_app_id: str = ""
    # Missed-delivery recovery: repository hooks to check ("owner/repo:hook_id,…"); in App mode
    # the App's own hook is checked too. RECOVER_INTERVAL empty = no schedule.
    recover_repo_hooks: Annotated[str, parsed_by(parse_repo_hooks)] = ""
    recover_interval: OptionalDuration = None
    recover_window: Duration = timedelta(hours=24)

    @property
    def git_base_url(self) -> str:
        """GITHUB_GIT_URL, or the web host of GITHUB_API_URL (api.github.com → github.com,
        https://host/api/v3 → https://host)."""
        return git_base_from(self.github_git_url, self.github_api_url)

    @property
    def github_app_mode(self) -> bool:
        return bool(self.github_app_id.strip())

    @property
    def recover_hooks(self) -> list[tuple[str, int]]:
        return parse_repo_hooks(self.recover_repo_hooks)
