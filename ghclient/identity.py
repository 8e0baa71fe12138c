"""Who hookflow is on GitHub: the login its writes carry, so only its own markers count."""

from __future__ import annotations

from typing import Any


def app_bot_login(app_slug: str) -> str:
    """The author login of everything a GitHub App installation writes (`<slug>[bot]`)."""
    return f"{app_slug}[bot]"


def login_of(user: Any) -> str:
    """The `login` of a user object from any REST answer ('' when absent or malformed)."""
    login = user.get("login") if isinstance(user, dict) else None
    return login if isinstance(login, str) else ""


def written_by(item: Any, login: str) -> bool:
    """Whether a comment or issue was written by `login` (GitHub logins are case-insensitive)."""
    author = login_of(item.get("user")) if isinstance(item, dict) else ""
    return bool(login) and author.casefold() == login.casefold()
