"""The one error every notification sink raises, and how HTTP outcomes map onto it."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from urllib.parse import urlsplit

import httpx


@dataclass(eq=False)
class SinkError(Exception):
    """A delivery that failed; `retryable` says whether trying again later can help."""

    message: str
    retryable: bool
    _: KW_ONLY
    status_code: int | None = None
    retry_after: float | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"SinkError({self.message!r}, retryable={self.retryable})"


def safe_url(url: object) -> str:
    """Scheme, host and port only: chat webhook URLs carry their secret in the path or query
    (Slack's `/services/T…/B…/<secret>`), so errors and logs never show more."""
    text = str(url)
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<invalid URL>"
    if not parts.scheme or not host:
        return "<invalid URL>"
    rest = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{port}{rest}"


def _scrub(text: str, url: object) -> str:
    return text.replace(str(url), safe_url(url)) if str(url) else text


# A request that never can succeed as configured: retrying only hides the mistake.
_PERMANENT_TRANSPORT = (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date; the caller's backoff is good enough


def check_response(sink: str, response: httpx.Response) -> None:
    """Raise SinkError unless the response is 2xx (408, 429 and 5xx are retryable)."""
    status = response.status_code
    if 200 <= status < 300:
        return
    retryable = status in (408, 429) or status >= 500
    body = response.text[:200].strip().replace("\n", " ")
    raise SinkError(
        f"{sink}: {response.request.method} {safe_url(response.request.url)} answered {status}"
        + (f": {_scrub(body, response.request.url)}" if body else ""),
        retryable,
        status_code=status,
        retry_after=_retry_after(response) if retryable else None,
    )


def from_transport(sink: str, url: str, exc: Exception) -> SinkError:
    """A SinkError for a request that got no HTTP answer (connect/read failures retry)."""
    detail = _scrub(str(exc), url)
    if isinstance(exc, _PERMANENT_TRANSPORT):
        return SinkError(f"{sink}: cannot send to {safe_url(url)}: {detail}", False)
    kind = type(exc).__name__
    return SinkError(f"{sink}: no answer from {safe_url(url)}: {kind}: {detail}".rstrip(": "), True)
