"""The fake GitHub's App identity: JWT checks, installations and short-lived installation tokens."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt

from tests.support.fakes.github_state import JSON, WEB

# What the App asks for (its settings page) and its installations grant.
DEFAULT_PERMISSIONS = {
    "issues": "write",
    "contents": "write",
    "pull_requests": "write",
    "actions": "read",
    "metadata": "read",
}
DEFAULT_EVENTS = [
    "check_run",
    "check_suite",
    "issue_comment",
    "issues",
    "pull_request",
    "pull_request_review",
    "push",
    "workflow_run",
]

# GitHub refuses a JWT whose exp is more than 10 minutes ahead (a little clock drift allowed).
MAX_JWT_SECONDS = 600
CLOCK_DRIFT_SECONDS = 60


@dataclass
class IssuedToken:
    installation_id: int
    expires_at: float
    revoked: bool = False


@dataclass
class AppIdentity:
    """One GitHub App: its public key, where it is installed, and the tokens it was given."""

    app_id: int
    public_key: str
    slug: str
    token_ttl: float = 3600.0
    installations: dict[str, int] = field(default_factory=dict)  # lower-case repo -> id
    tokens: dict[str, IssuedToken] = field(default_factory=dict)
    jwt_failures: list[str] = field(default_factory=list)
    permissions: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PERMISSIONS))
    events: list[str] = field(default_factory=lambda: list(DEFAULT_EVENTS))
    # The App's own webhook (GET /app/hook/config); the secret is never served.
    hook_url: str = ""
    hook_secret: str = ""

    @property
    def bot(self) -> JSON:
        login = f"{self.slug}[bot]"
        return {
            "login": login,
            "id": 41898282 + self.app_id,
            "type": "Bot",
            "html_url": f"{WEB}/apps/{self.slug}",
        }

    def check_jwt(self, credentials: str) -> bool:
        """A JWT signed with the app's key (RS256), issued by it, living at most 10 minutes."""
        try:
            claims: dict[str, Any] = jwt.decode(
                credentials,
                self.public_key,
                algorithms=["RS256"],
                options={"require": ["iat", "exp", "iss"]},
                leeway=CLOCK_DRIFT_SECONDS,
            )
        except jwt.PyJWTError as exc:
            self.jwt_failures.append(f"{type(exc).__name__}: {exc}")
            return False
        problems = []
        if str(claims["iss"]) != str(self.app_id):
            problems.append(f"iss {claims['iss']!r} is not app {self.app_id}")
        if float(claims["exp"]) - time.time() > MAX_JWT_SECONDS + CLOCK_DRIFT_SECONDS:
            problems.append("exp is more than 10 minutes in the future")
        if float(claims["iat"]) > time.time() + CLOCK_DRIFT_SECONDS:
            problems.append("iat is in the future")
        self.jwt_failures.extend(problems)
        return not problems

    def installation_of(self, credentials: str) -> int | None:
        """The installation a live (issued, unexpired, unrevoked) token belongs to."""
        issued = self.tokens.get(credentials)
        if issued is None or issued.revoked or issued.expires_at <= time.time():
            return None
        return issued.installation_id

    def issue(self, installation_id: int) -> JSON:
        token = f"ghs_{secrets.token_urlsafe(27)}"
        expires = time.time() + self.token_ttl
        self.tokens[token] = IssuedToken(installation_id, expires)
        return {
            "token": token,
            "expires_at": datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "permissions": dict(self.permissions),
            "repository_selection": "all",
        }

    def installation(self, installation_id: int, owner: str) -> JSON:
        return {
            "id": installation_id,
            "app_id": self.app_id,
            "app_slug": self.slug,
            "target_type": "Organization",
            "account": {"login": owner, "type": "Organization"},
            "access_tokens_url": f"/app/installations/{installation_id}/access_tokens",
            "permissions": dict(self.permissions),
            "events": list(self.events),
        }
