"""GitHub App identity: the app's RS256 JWT and installation tokens, cached per installation."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit

import jwt

from ghclient.errors import GitHubError
from ghclient.transport import DEFAULT_API_URL, JSON, Transport

# GitHub refuses JWTs that live longer than 10 minutes; iat is backdated for clock drift.
JWT_LIFETIME_SECONDS = 540
JWT_BACKDATE_SECONDS = 60
# A cached installation token is renewed this long before GitHub says it expires.
DEFAULT_REFRESH_MARGIN_SECONDS = 300.0

_REPO_PATH = re.compile(r"/repos/([^/?#]+)/([^/?#]+)")


@dataclass
class _Cached:
    token: str
    expires_at: float


def repo_of_path(path: str) -> str | None:
    """`owner/name` of a `/repos/{owner}/{name}/…` request path or URL, else None."""
    match = _REPO_PATH.search(urlsplit(path).path)
    return f"{match.group(1)}/{match.group(2)}" if match else None


def _expiry(text: object) -> float:
    if not isinstance(text, str):
        raise GitHubError(None, "installation token answer has no expires_at")
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class GitHubApp:
    """A GitHub App: JWTs for `/app/…` calls, installation tokens for everything else.

    One object is shared by every client of a process, so tokens are fetched once per
    installation and reused until `refresh_margin` seconds before they expire.
    """

    def __init__(
        self,
        app_id: str,
        private_key: str,
        *,
        base_url: str = DEFAULT_API_URL,
        clock: Callable[[], float] = time.time,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN_SECONDS,
        timeout: float = 30,
    ) -> None:
        self.app_id = str(app_id)
        self._key = private_key
        self.base_url = base_url
        self._clock = clock
        self._margin = refresh_margin
        self._timeout = timeout
        self._tokens: dict[int, _Cached] = {}
        self._installations: dict[str, int] = {}  # lower-case repo -> installation id
        self._slug: str | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:  # never show the key
        return f"GitHubApp(app_id={self.app_id!r}, base_url={self.base_url!r})"

    def jwt(self) -> str:
        """The app's own credential (RS256, iss = app id, at most 10 minutes long)."""
        now = int(self._clock())
        claims = {
            "iat": now - JWT_BACKDATE_SECONDS,
            "exp": now + JWT_LIFETIME_SECONDS,
            "iss": self.app_id,
        }
        return jwt.encode(claims, self._key, algorithm="RS256")

    def app_transport(self, *, timeout: float | None = None) -> Transport:
        """A transport authenticated as the app itself (for `/app/…` endpoints)."""
        return Transport(self.base_url, _AppJWT(self), timeout=timeout or self._timeout)

    async def _app_call(self, method: str, path: str) -> JSON:
        transport = self.app_transport()
        try:
            return await transport.obj(method, path)
        finally:
            await transport.aclose()

    async def bot_login(self) -> str:
        """The login the App's writes carry (`<app-slug>[bot]`), from `GET /app` once."""
        if self._slug is None:
            self._slug = str((await self._app_call("GET", "/app"))["slug"])
        return f"{self._slug}[bot]"

    async def token_for(self, path: str) -> str | None:
        """The token for a request: the JWT for `/app/…`, else the repository's installation's."""
        route = urlsplit(path).path.removeprefix(urlsplit(self.base_url).path)
        if route == "/app" or route.startswith("/app/"):
            return self.jwt()
        repo = repo_of_path(path)
        if repo is None:
            raise GitHubError(
                None, f"GitHub App mode cannot tell which installation serves {path!r}"
            )
        return await self.token_for_repo(repo)

    async def token_for_repo(self, repo: str, installation_id: int | None = None) -> str:
        """An installation token that may act on `repo` (installation looked up once)."""
        if installation_id is None:
            installation_id = await self.installation_id(repo)
        else:
            self._installations.setdefault(repo.lower(), installation_id)
        return await self.installation_token(installation_id)

    async def installation_id(self, repo: str) -> int:
        key = repo.lower()
        if key not in self._installations:
            owner, _, name = repo.partition("/")
            path = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}/installation"
            found = await self._app_call("GET", path)
            self._installations[key] = int(found["id"])
        return self._installations[key]

    async def installation_token(self, installation_id: int) -> str:
        async with self._lock:  # one fetch per installation, however many callers wait
            cached = self._tokens.get(installation_id)
            if cached is not None and cached.expires_at - self._margin > self._clock():
                return cached.token
            path = f"/app/installations/{int(installation_id)}/access_tokens"
            answer = await self._app_call("POST", path)
            token = str(answer.get("token") or "")
            if not token:
                raise GitHubError(None, "installation token answer has no token")
            self._tokens[installation_id] = _Cached(token, _expiry(answer.get("expires_at")))
            return token

    def invalidate(self, token: str) -> None:
        """Forget a token GitHub refused (revoked, or expired early) so the next call renews."""
        for installation_id, cached in list(self._tokens.items()):
            if cached.token == token:
                del self._tokens[installation_id]


@dataclass(frozen=True)
class _AppJWT:
    """Token source for app-level calls: a fresh JWT per request."""

    app: GitHubApp

    async def token_for(self, path: str) -> str | None:
        return self.app.jwt()

    def invalidate(self, token: str) -> None:
        """JWTs are minted per request; nothing is cached."""
