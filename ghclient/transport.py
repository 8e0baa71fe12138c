"""HTTP plumbing for GitHubClient: headers, error mapping, Link pagination, log redirects."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, cast
from urllib.parse import urljoin

import httpx

from ghclient.errors import GitHubError, GitHubNotFound, GitHubServerError, error_for, redact
from ghclient.token_source import StaticToken, TokenSource
from ops.version import VERSION

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
USER_AGENT = f"hookflow/{VERSION} (+https://github.com/hookflow)"
PER_PAGE = 100

JSON = dict[str, Any]
# Told each request's HTTP status (None: no answer) and headers, e.g. to count them.
ResponseHook = Callable[[int | None, Mapping[str, str]], None]


class Transport:
    """Sends requests to one GitHub API base URL; owns `http` unless given one.

    `token` is a fixed token or a TokenSource (GitHub App installation tokens): a source's
    token that GitHub answers 401 for is invalidated and the request sent once more.
    """

    def __init__(
        self,
        base_url: str,
        token: str | TokenSource | None,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = 30,
        on_response: ResponseHook | None = None,
    ) -> None:
        self._on_response = on_response or (lambda status, headers: None)
        self.base_url = (base_url or DEFAULT_API_URL).rstrip("/")
        self._auth: TokenSource = (
            StaticToken(token or None) if token is None or isinstance(token, str) else token
        )
        self._renewable = not isinstance(self._auth, StaticToken)
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(timeout=httpx.Timeout(timeout))

    def __repr__(self) -> str:  # never show the token
        return f"{type(self).__name__}({self.base_url!r})"

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    def _headers(self, token: str | None) -> dict[str, str]:
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": USER_AGENT,
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        ok_statuses: tuple[int, ...] = (),
    ) -> httpx.Response:
        """One request; non-2xx answers (other than `ok_statuses`) raise a typed GitHubError."""
        url = self.url(path)
        query = {k: v for k, v in (params or {}).items() if v is not None}
        response, token = await self._request(method, url, query, json)
        if response.status_code == 401 and self._renewable and token:
            # An installation token revoked or expired early: renew it and try once more.
            self._auth.invalidate(token)
            response, token = await self._request(method, url, query, json)
        log.debug("github %s %s -> %s", method, _short(url), response.status_code)
        if response.is_success or response.status_code in ok_statuses:
            return response
        raise self._error(response, token)

    async def _request(
        self, method: str, url: str, query: Mapping[str, Any], json: Any
    ) -> tuple[httpx.Response, str | None]:
        """The answer and the token it was sent with (concurrent calls may use others)."""
        token = await self._auth.token_for(url)
        try:
            response = await self._http.request(
                method,
                url,
                params=query or None,
                json=json,
                headers=self._headers(token),
                follow_redirects=False,
            )
        except httpx.TransportError as exc:
            self._on_response(None, {})
            raise GitHubServerError(
                None, redact(f"{method} {_short(url)}: {type(exc).__name__}: {exc}", token)
            ) from None
        self._on_response(response.status_code, response.headers)
        return response, token

    def _error(self, response: httpx.Response, token: str | None) -> GitHubError:
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text[:500]
        error = error_for(response.status_code, response.headers, body, secret=token)
        log.info(
            "github %s %s failed: %s",
            response.request.method,
            _short(str(response.request.url)),
            error,
        )
        return error

    async def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.send(method, path, **kwargs)
        return response.json() if response.content else None

    async def obj(self, method: str, path: str, **kwargs: Any) -> JSON:
        """A call whose answer is one JSON object."""
        return cast(JSON, await self.json(method, path, **kwargs))

    async def items(self, method: str, path: str, **kwargs: Any) -> list[JSON]:
        """A call whose answer is one JSON array (not paginated: e.g. an issue's labels)."""
        return cast(list[JSON], await self.json(method, path, **kwargs))

    async def paginate(
        self, path: str, *, params: Mapping[str, Any] | None = None, key: str | None = None
    ) -> AsyncIterator[JSON]:
        """Every item of a list endpoint, following `Link: <…>; rel="next"` page by page.

        `key` names the list inside an object answer (`{"total_count": …, "jobs": […]}`).
        """
        url: str | None = self.url(path)
        query: Mapping[str, Any] | None = {"per_page": PER_PAGE, **(params or {})}
        while url:
            response = await self.send("GET", url, params=query)
            data = response.json()
            for item in data[key] if key else data:
                yield cast(JSON, item)
            url = response.links.get("next", {}).get("url")
            query = None  # the next link carries the whole query

    async def download_redirected(self, path: str) -> str:
        """Text behind an endpoint that answers 302 to a short-lived URL (job logs).

        The redirect target gets no Authorization header: it is authorised by its own
        signed query string, and it is usually another host that must not see the token.
        """
        response = await self.send("GET", path, ok_statuses=(301, 302, 303, 307, 308))
        if not response.is_redirect:
            return response.text
        target = urljoin(str(response.url), response.headers["location"])
        try:
            blob = await self._http.get(
                target, headers={"User-Agent": USER_AGENT}, follow_redirects=True
            )
        except httpx.TransportError as exc:
            raise GitHubServerError(
                None, f"log download from {_short(target)}: {type(exc).__name__}"
            ) from None
        if blob.is_success:
            return blob.text
        if blob.status_code == 404:
            raise GitHubNotFound(404, f"log download from {_short(target)}: not found")
        # An expired or refused signed URL: asking the API again yields a fresh one.
        raise GitHubServerError(
            blob.status_code, f"log download from {_short(target)} failed: {blob.status_code}"
        )


def _short(url: str) -> str:
    """The URL without its query string (signed log URLs carry credentials there)."""
    return url.split("?", 1)[0]
