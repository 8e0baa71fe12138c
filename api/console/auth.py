"""Console sign-in: the token check, sessions stored as hashes with an expiry, and CSRF tokens
derived from the session's own secret (a form from another site cannot know it)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col

from db.engine import SessionFactory
from db.models import ConsoleSession
from db.types import utcnow

COOKIE = "hookflow_console"
# Before a session exists, the sign-in form's CSRF token is a random value also set as a cookie
# (double submit): a form posted from elsewhere has neither.
SIGN_IN_COOKIE = "hookflow_console_signin"
SECRET_BYTES = 32


def token_matches(given: str, expected: str | None) -> bool:
    """Constant time; no token configured never matches."""
    if not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def csrf_for(secret: str) -> str:
    """The CSRF token of a session: an HMAC of the cookie's secret, never stored."""
    return hmac.new(secret.encode(), b"hookflow-console-csrf", hashlib.sha256).hexdigest()


def csrf_matches(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


def new_form_token() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


@dataclass(frozen=True)
class Viewer:
    """The signed-in browser of this request."""

    secret: str
    expires_at: datetime

    @property
    def csrf(self) -> str:
        return csrf_for(self.secret)


async def open_session(sessions: SessionFactory, ttl: timedelta) -> Viewer:
    """A new session (its secret goes to the cookie, its hash to the table); expired ones are
    cleared on the way."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    now = utcnow()
    async with sessions() as session:
        await session.exec(delete(ConsoleSession).where(col(ConsoleSession.expires_at) < now))
        row = ConsoleSession(id=_digest(secret), created_at=now, expires_at=now + ttl)
        session.add(row)
        await session.commit()
    return Viewer(secret, row.expires_at)


async def find_session(sessions: SessionFactory, secret: str | None) -> Viewer | None:
    """The live session of a cookie, or None (unknown, signed out or expired)."""
    if not secret or len(secret) > 200:
        return None
    async with sessions() as session:
        row = await session.get(ConsoleSession, _digest(secret))
    if row is None:
        return None
    expires = row.expires_at
    if expires.tzinfo is None:  # SQLite hands back naive UTC
        expires = expires.replace(tzinfo=utcnow().tzinfo)
    if expires <= utcnow():
        return None
    return Viewer(secret, expires)


async def close_session(sessions: SessionFactory, secret: str) -> None:
    async with sessions() as session:
        await session.exec(delete(ConsoleSession).where(col(ConsoleSession.id) == _digest(secret)))
        await session.commit()
