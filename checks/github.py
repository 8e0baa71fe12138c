"""The GitHub part of `hookflow check`: identity, each repository's permissions and hook."""

from __future__ import annotations

import re

from checks.github_access import GitHubAccess, check_identity, check_repo_access
from checks.github_hooks import check_app_hook, check_repo_hook
from checks.result import Check, Status, fail, warn
from ghclient import GitHubError
from settings import Settings

_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def repos_to_check(settings: Settings, given: list[str]) -> list[str]:
    return sorted(set(given)) if given else sorted(settings.allowed_repo_set)


async def check_github(settings: Settings, repos: list[str], *, ping: bool) -> list[Check]:
    if not settings.github_configured:
        return []  # the configuration check already says so
    access = GitHubAccess.open(settings)
    try:
        return await _checks(access, repos, ping=ping)
    except GitHubError as exc:
        return [
            fail(
                "github",
                f"GITHUB_API_URL={settings.github_api_url}: {exc}",
                "check GITHUB_API_URL and this host's network access to it",
            )
        ]
    finally:
        await access.close()


async def _checks(access: GitHubAccess, repos: list[str], *, ping: bool) -> list[Check]:
    identity = await check_identity(access)
    checks = [identity]
    if identity.status is Status.FAIL:
        return checks
    if not repos:
        checks.append(
            warn(
                "github repositories",
                "none to check: ALLOWED_REPOS is empty",
                "pass --repo owner/name (or set ALLOWED_REPOS)",
            )
        )
    public_url = access.settings.api_public_url.strip()
    for repo in repos:
        if not _REPO.match(repo):
            checks.append(fail(f"github {repo}", "not an owner/name repository"))
            continue
        checks.append(await check_repo_access(access, repo))
        if public_url and access.app_api is None:
            checks += await check_repo_hook(access, repo, ping=ping)
    if public_url and access.app_api is not None:
        checks += await check_app_hook(access)
    return checks
