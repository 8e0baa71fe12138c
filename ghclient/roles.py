"""GitHub repository roles in order, and the role a permission answer grants. Pure.

`GET /repos/{owner}/{repo}/collaborators/{username}/permission` answers `role_name` (read,
triage, write, maintain, admin, or a custom role's name) and the legacy `permission` (admin,
write, read, none: maintain counts as write, triage as read). A custom role counts as its base.
"""

from __future__ import annotations

from typing import Any

ROLES = ("none", "read", "triage", "write", "maintain", "admin")
_RANK = {role: rank for rank, role in enumerate(ROLES)}


def role_of(answer: Any) -> str:
    """The role a permission answer grants ("none" for anything unrecognisable)."""
    if not isinstance(answer, dict):
        return "none"
    role = answer.get("role_name")
    if isinstance(role, str) and role.lower() in _RANK:
        return role.lower()
    base = answer.get("permission")
    return base.lower() if isinstance(base, str) and base.lower() in _RANK else "none"


def at_least(role: str, needed: str) -> bool:
    """Whether `role` is `needed` or above (unknown roles are below everything)."""
    return _RANK.get(role, -1) >= _RANK.get(needed, len(ROLES))
