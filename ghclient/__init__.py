"""GitHub REST client used by activities (GITHUB_API_URL: github.com, GHES or the test fake)."""

from ghclient.app_auth import GitHubApp
from ghclient.bodies import MAX_BODY_CHARS, fit_body, has_marker, marker, truncation_notice
from ghclient.client import GitHubClient
from ghclient.errors import (
    GitHubAuthError,
    GitHubError,
    GitHubNotFound,
    GitHubRateLimited,
    GitHubServerError,
    GitHubValidationFailed,
)

__all__ = [
    "MAX_BODY_CHARS",
    "truncation_notice",
    "GitHubApp",
    "GitHubAuthError",
    "GitHubClient",
    "GitHubError",
    "GitHubNotFound",
    "GitHubRateLimited",
    "GitHubServerError",
    "GitHubValidationFailed",
    "fit_body",
    "has_marker",
    "marker",
]
