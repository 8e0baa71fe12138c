"""The GitHub identity checks: who the token or App is, and, per repository, whether it may do
what hookflow's features do there (dry probes for a token, the installation's grants for an App).

A dry probe sends a request GitHub must refuse either way: an empty `POST …/issues` is 422
("title" missing) for a token allowed to create issues and 403 ("Resource not accessible") for
one that is not; GitHub checks the permission before the body, so nothing is ever created.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checks.result import Check, fail, ok, warn
from ghclient import GitHubApp, GitHubError
from ghclient.transport import Transport
from settings import Settings

LEVELS = {"none": 0, "read": 1, "write": 2, "admin": 3}


@dataclass(frozen=True)
class Need:
    """One permission hookflow uses on a repository, what uses it, and how to probe for it."""

    permission: str  # the GitHub App / fine-grained token permission name
    level: str  # read | write
    feature: str
    method: str
    path: str  # under /repos/{owner}/{name}
    allowed: int  # the status GitHub answers the probe when the permission is there

    @property
    def label(self) -> str:
        return f"{self.permission.replace('_', ' ')} {self.level}"

    @property
    def setting(self) -> str:
        """As GitHub's settings pages spell it: `Issues: Read and write`."""
        access = "Read and write" if self.level == "write" else "Read-only"
        return f"{self.permission.replace('_', ' ').capitalize()}: {access}"


def needs(settings: Settings) -> list[Need]:
    """What this configuration uses: contents write only when an agent pushes AI-run branches."""
    wanted = [
        Need("issues", "write", "CI-failure issues, run comments", "POST", "/issues", 422),
        Need("pull_requests", "write", "AI-run pull requests", "POST", "/pulls", 422),
        Need(
            "actions", "read", "CI logs in failure issues", "GET", "/actions/runs?per_page=1", 200
        ),
    ]
    if settings.run_agent:
        wanted.insert(2, Need("contents", "write", "AI-run branches", "POST", "/git/refs", 422))
    return wanted


@dataclass
class GitHubAccess:
    """How the checks reach GitHub: `api` acts as the token (or the App's installations),
    `app_api` as the App itself (JWT; None in token mode)."""

    settings: Settings
    api: Transport
    app: GitHubApp | None = None
    app_api: Transport | None = None
    app_info: dict[str, Any] | None = None  # GET /app, once the identity check ran

    @classmethod
    def open(cls, settings: Settings) -> GitHubAccess:
        base = settings.github_api_url
        if settings.github_app_mode:
            key = settings.github_app_private_key_value() or ""
            app = GitHubApp(settings.github_app_id, key, base_url=base, timeout=10)
            return cls(settings, Transport(base, app, timeout=10), app, app.app_transport())
        return cls(settings, Transport(base, settings.github_token_value(), timeout=10))

    async def close(self) -> None:
        await self.api.aclose()
        if self.app_api is not None:
            await self.app_api.aclose()


async def check_identity(access: GitHubAccess) -> Check:
    name = "github identity"
    where = access.settings.github_api_url
    if access.app_api is not None:
        response = await access.app_api.send("GET", "/app", ok_statuses=(401, 403, 404))
        if response.status_code != 200:
            return fail(
                name,
                f"{where} refuses the App's JWT (HTTP {response.status_code})",
                "check GITHUB_APP_ID and that GITHUB_APP_PRIVATE_KEY is a current key of that App",
            )
        access.app_info = response.json()
        return ok(name, f"GitHub App {access.app_info.get('slug')} on {where}")
    response = await access.api.send("GET", "/user", ok_statuses=(401, 403))
    if response.status_code == 401:
        return fail(
            name,
            f"{where} refuses GITHUB_TOKEN (401 Bad credentials: revoked, expired or mistyped)",
            "create a new token and set GITHUB_TOKEN",
        )
    if response.status_code == 403:
        return warn(name, f"the token cannot read its own user on {where} (HTTP 403)")
    scopes = response.headers.get("x-oauth-scopes")
    kind = f"classic token, scopes: {scopes or 'none'}" if scopes is not None else "token"
    return ok(name, f"{response.json().get('login')} ({kind}) on {where}")


async def check_repo_access(access: GitHubAccess, repo: str) -> Check:
    name = f"github {repo}"
    wanted = needs(access.settings)
    if access.app_api is not None:
        return await _app_grants(access, repo, wanted)
    seen = await access.api.send("GET", f"/repos/{repo}", ok_statuses=(403, 404))
    if seen.status_code != 200:
        return fail(
            name,
            f"the token cannot see {repo} (HTTP {seen.status_code})",
            "give the token access to this repository (fine-grained: Repository access)",
        )
    lacking: list[Need] = []
    unknown: list[str] = []
    for need in wanted:
        try:
            answer = await access.api.send(
                need.method,
                f"/repos/{repo}{need.path}",
                json={} if need.method == "POST" else None,
                ok_statuses=(need.allowed, 403, 404),
            )
        except GitHubError as exc:
            unknown.append(f"{need.label} ({exc})")
            continue
        if answer.status_code == need.allowed:
            continue
        if answer.headers.get("x-ratelimit-remaining") == "0":
            unknown.append(f"{need.label} (rate limited)")
        else:
            lacking.append(need)
    return _verdict(name, "the token", wanted, lacking, unknown, token=True)


async def _app_grants(access: GitHubAccess, repo: str, wanted: list[Need]) -> Check:
    name = f"github {repo}"
    assert access.app_api is not None
    answer = await access.app_api.send("GET", f"/repos/{repo}/installation", ok_statuses=(404,))
    if answer.status_code == 404:
        slug = (access.app_info or {}).get("slug", "<app>")
        return fail(
            name,
            f"the GitHub App is not installed on {repo}",
            f"install it on {repo}: https://github.com/apps/{slug}/installations/new",
        )
    granted = answer.json().get("permissions") or {}
    lacking = [n for n in wanted if LEVELS.get(str(granted.get(n.permission)), 0) < LEVELS[n.level]]
    return _verdict(name, "the App's installation", wanted, lacking, [], token=False)


def _verdict(
    name: str, who: str, wanted: list[Need], lacking: list[Need], unknown: list[str], *, token: bool
) -> Check:
    if lacking:
        what = ", ".join(f"{n.label} ({n.feature})" for n in lacking)
        settings = ", ".join(n.setting for n in lacking)
        if token:
            fix = f"give the token {settings} (fine-grained) or the `repo` scope (classic)"
        else:
            fix = f"grant the App {settings} and accept them on the installation"
        return fail(name, f"{who} lacks {what}", fix)
    if unknown:
        return warn(name, f"could not tell: {'; '.join(unknown)}", "run the check again later")
    return ok(name, ", ".join(n.label for n in wanted))
