"""Typed, bounded reads of untrusted payload fields: any JSON value in, a known type out.

Every handler reads the payload through these, so a wrong type, a huge string or an absurd
number in any field becomes "absent" (or a clipped string) instead of an exception.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

# Longest string a routed field may carry into a workflow input (names, refs, urls, shas).
TEXT_LIMIT = 1024
# GitHub refuses issue titles over 256 characters; be lenient but bounded.
TITLE_LIMIT = 1024
LIST_LIMIT = 50
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

# owner/name as GitHub (and GHES) spell repositories; bounded so it fits every repo column.
REPO_PATTERN = r"^[A-Za-z0-9_.-]{1,99}/[A-Za-z0-9_.-]{1,100}$"
_REPO = re.compile(REPO_PATTERN)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean(text: str) -> str:
    """`text` without what PostgreSQL text/JSONB and UTF-8 refuse (NUL, lone surrogates)."""
    return _UNSTORABLE.sub("\ufffd", text) if _UNSTORABLE.search(text) else text


def short_hash(text: str, size: int = 16) -> str:
    """A hex digest of the exact text (lone surrogates included, never an encoding error)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:size]


def fit(text: str, limit: int) -> str:
    """`text` cleaned and, when longer than `limit`, cut with a hash of the whole appended,
    so two long values sharing a prefix stay distinct."""
    text = clean(text)
    if len(text) <= limit:
        return text
    digest = short_hash(text)
    return f"{text[: limit - len(digest) - 1]}~{digest}"


def clip(text: str, limit: int) -> str:
    """`text` cleaned and cut to `limit` characters (an ellipsis marks the cut)."""
    text = clean(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def obj(value: Any) -> Mapping[str, Any]:
    # A decoded payload holds plain dicts: checked first, the ABC check is ten times slower.
    return value if type(value) is dict or isinstance(value, Mapping) else {}


def text(value: Any, limit: int = TEXT_LIMIT) -> str | None:
    """A non-empty string, cleaned and clipped; anything else is None."""
    return clip(value, limit) if isinstance(value, str) and value else None


def integer(value: Any, low: int = 0, high: int = INT64_MAX) -> int | None:
    """An int within [low, high] (not a bool, float or numeric string); anything else is None."""
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    return None


def number(value: Any) -> int | None:
    """A GitHub issue or pull request number: 1 … 2^31-1 (what the runs table stores)."""
    return integer(value, 1, INT32_MAX)


def flag(value: Any) -> bool:
    return value is True


def items(value: Any, limit: int = LIST_LIMIT) -> list[Any]:
    """The first `limit` elements of a list; anything else is an empty list."""
    return value[:limit] if isinstance(value, list) else []


def get(payload: Any, *path: str) -> Any:
    """payload[path[0]][path[1]]…, or None where a step is missing or not an object."""
    value = payload
    for key in path:
        value = obj(value).get(key)
    return value


def login(value: Any) -> str | None:
    return text(obj(value).get("login"), 100)


def repo_name(value: Any) -> str | None:
    """A valid `owner/name` or None."""
    return value if isinstance(value, str) and _REPO.fullmatch(value) else None
