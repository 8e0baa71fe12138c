"""The one error every notification sink raises, and how HTTP outcomes map onto it."""

from __future__ import annotations

import httpx


class SinkError(Exception):
    """A delivery that failed; `retryable` says whether trying again later can help."""

    def __init__(
        self,
        message: str,
        retryable: bool,
        *,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status_code = status_code
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"SinkError({self.message!r}, retryable={self.retryable})"


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
        f"{sink}: {response.request.method} {response.request.url} answered {status}"
        + (f": {body}" if body else ""),
        retryable,
        status_code=status,
        retry_after=_retry_after(response) if retryable else None,
    )


def from_transport(sink: str, url: str, exc: Exception) -> SinkError:
    """A SinkError for a request that got no HTTP answer (connect/read failures retry)."""
    if isinstance(exc, _PERMANENT_TRANSPORT):
        return SinkError(f"{sink}: cannot send to {url!r}: {exc}", False)
    kind = type(exc).__name__
    return SinkError(f"{sink}: no answer from {url}: {kind}: {exc}".rstrip(": "), True)
