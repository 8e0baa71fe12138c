"""Turn ghclient errors into what Temporal understands (it never reads `GitHubError.retryable`).

    async with github_call("close issue acme/app#3"):
        await github.update_issue(...)

Rate limits retry after GitHub's own delay; errors GitHub will repeat (404, 422, bad
credentials) fail the activity at once, with GitHub's reason in the message and `details`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError

from ghclient.errors import GitHubError, GitHubRateLimited


def to_application_error(exc: GitHubError, what: str) -> ApplicationError:
    """The ApplicationError a GitHub failure should raise from an activity."""
    kind = type(exc).__name__
    message = f"{what}: {exc}"
    details = {"status": exc.status, "reason": exc.message, "what": what}
    if isinstance(exc, GitHubRateLimited):
        return ApplicationError(
            message,
            details,
            type=kind,
            next_retry_delay=timedelta(seconds=max(1.0, exc.retry_after)),
        )
    return ApplicationError(message, details, type=kind, non_retryable=not exc.retryable)


@contextlib.asynccontextmanager
async def github_call(what: str) -> AsyncIterator[None]:
    """Run GitHub calls inside an activity, converting failures (see module docstring)."""
    try:
        yield
    except GitHubError as exc:
        if activity.in_activity():
            activity.logger.warning("GitHub call failed: %s: %s", what, exc)
        raise to_application_error(exc, what) from exc
