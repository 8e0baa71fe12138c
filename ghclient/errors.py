"""Typed errors for GitHub REST calls, and the mapping from an HTTP response to one of them."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

# GitHub's advice when a secondary rate limit names no delay: wait at least a minute.
DEFAULT_RATE_LIMIT_DELAY = 60.0


class GitHubError(Exception):
    """A GitHub API call failed. `retryable` says whether the same call may succeed later."""

    retryable = False

    def __init__(
        self,
        status: int | None,
        message: str,
        *,
        documentation_url: str | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.documentation_url = documentation_url
        super().__init__(f"GitHub API {status if status is not None else 'error'}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take different constructor arguments; rebuild from state instead.
        return (_restore, (type(self), dict(self.__dict__), self.args))


class GitHubRateLimited(GitHubError):
    """Primary or secondary rate limit; retry after `retry_after` seconds."""

    retryable = True

    def __init__(
        self,
        retry_after: float,
        *,
        status: int = 429,
        message: str = "API rate limit exceeded",
        documentation_url: str | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(status, message, documentation_url=documentation_url)
        self.args = (f"GitHub API {status}: {message} (retry after {retry_after:.0f} s)",)


class GitHubNotFound(GitHubError):
    """404: the repository, issue, run or job does not exist (or the token cannot see it)."""


class GitHubValidationFailed(GitHubError):
    """422: GitHub refused the request body; `errors` is GitHub's list of field errors."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        documentation_url: str | None = None,
    ) -> None:
        self.errors = list(errors or [])
        super().__init__(status, message, documentation_url=documentation_url)
        details = "; ".join(_describe(error) for error in self.errors)
        if details:
            self.args = (f"{self.args[0]} ({details})",)

    def has_message(self, fragment: str) -> bool:
        """True when GitHub's top-level message or any field error mentions `fragment`."""
        texts = [self.message, *(str(error.get("message", "")) for error in self.errors)]
        return any(fragment.lower() in text.lower() for text in texts)


class GitHubAuthError(GitHubError):
    """401 bad credentials, or 403 that is not a rate limit (missing permission)."""


class GitHubServerError(GitHubError):
    """5xx from GitHub, or the request never got an answer (transport error, timeout)."""

    retryable = True


def _restore(cls: type[GitHubError], state: dict[str, Any], args: tuple[Any, ...]) -> GitHubError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    error.args = args
    return error


def _describe(error: Mapping[str, Any]) -> str:
    if error.get("message"):
        return str(error["message"])
    parts = [str(error.get(k)) for k in ("resource", "field", "code") if error.get(k)]
    return " ".join(parts)


def rate_limit_delay(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait if these response headers announce a rate limit, else None."""
    retry_after = headers.get("retry-after")
    if retry_after is not None:
        try:
            return max(1.0, float(retry_after))
        except ValueError:
            return DEFAULT_RATE_LIMIT_DELAY
    if headers.get("x-ratelimit-remaining") == "0":
        reset = headers.get("x-ratelimit-reset")
        try:
            wait = float(reset) - (time.time() if now is None else now)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return DEFAULT_RATE_LIMIT_DELAY
        return max(1.0, wait)
    return None


def error_for(
    status: int,
    headers: Mapping[str, str],
    body: Any,
    *,
    secret: str | None = None,
) -> GitHubError:
    """The typed error for a non-2xx GitHub answer; `secret` is scrubbed from its text."""
    payload = body if isinstance(body, dict) else {}
    message = str(payload.get("message") or (body if isinstance(body, str) else "") or status)
    error = _typed_error(status, headers, payload, redact(message[:500], secret))
    error.args = tuple(redact(str(arg), secret) for arg in error.args)
    return error


def _typed_error(
    status: int, headers: Mapping[str, str], payload: Mapping[str, Any], message: str
) -> GitHubError:
    docs = payload.get("documentation_url")
    delay = rate_limit_delay(headers)
    if status == 429 or (status == 403 and delay is not None):
        return GitHubRateLimited(
            delay if delay is not None else DEFAULT_RATE_LIMIT_DELAY,
            status=status,
            message=message,
            documentation_url=docs,
        )
    if status == 403 and "rate limit" in message.lower():
        # Secondary limits sometimes arrive without headers.
        return GitHubRateLimited(
            DEFAULT_RATE_LIMIT_DELAY, status=status, message=message, documentation_url=docs
        )
    if status in (401, 403):
        return GitHubAuthError(status, message, documentation_url=docs)
    if status == 404:
        return GitHubNotFound(status, message, documentation_url=docs)
    if status == 422:
        errors = payload.get("errors")
        return GitHubValidationFailed(
            status,
            message,
            errors=[e if isinstance(e, dict) else {"message": str(e)} for e in errors or []],
            documentation_url=docs,
        )
    if status >= 500:
        return GitHubServerError(status, message, documentation_url=docs)
    return GitHubError(status, message, documentation_url=docs)


def redact(text: str, secret: str | None) -> str:
    if secret:
        return text.replace(secret, "***")
    return text
