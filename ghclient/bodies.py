"""Issue/comment/PR bodies: hidden idempotency markers and GitHub's 65,536-character limit."""

from __future__ import annotations

from typing import Literal

from contract.limits import MAX_BODY_CHARS as MAX_BODY_CHARS
from contract.limits import truncation_notice as truncation_notice


def marker(key: str) -> str:
    """The hidden HTML comment that lets a retried activity find what it wrote before."""
    if not key or "--" in key or ">" in key or "\n" in key:
        raise ValueError(f"marker key must be non-empty, one line, without '--' or '>': {key!r}")
    return f"<!-- hookflow:{key} -->"


def has_marker(body: str | None, key: str) -> bool:
    return bool(body) and marker(key) in body  # type: ignore[operator]


def fit_body(
    text: str,
    limit: int = MAX_BODY_CHARS,
    *,
    keep: Literal["head", "tail"] = "head",
) -> str:
    """`text` unchanged if it fits in `limit` characters, else cut with a visible notice.

    keep="tail" keeps the end instead (the useful part of a CI log). A cut inside a code
    block closes (or reopens) the fence so the rest of the page still renders.
    """
    if len(text) <= limit:
        return text
    kept = limit
    while True:
        omitted = len(text) - kept
        notice = f"*{truncation_notice(omitted)}*"
        if keep == "head":
            part = text[:kept]
            fence = "\n```" if part.count("```") % 2 else ""
            result = f"{part}{fence}\n\n{notice}"
        else:
            part = text[omitted:]
            fence = "```\n" if text[:omitted].count("```") % 2 else ""
            result = f"{notice}\n\n{fence}{part}"
        if len(result) <= limit:
            return result
        kept = min(kept - 1, limit - (len(result) - kept))
        if kept <= 0:  # limit too small for any notice
            return text[:limit] if keep == "head" else text[len(text) - limit :]


def with_marker(body: str, key: str, limit: int = MAX_BODY_CHARS) -> str:
    """`body` fitted to `limit` with the marker for `key` appended (once)."""
    tag = marker(key)
    if tag in body:
        if len(body) <= limit:
            return body
        body = body.replace(tag, "").rstrip()
    suffix = f"\n\n{tag}"
    return fit_body(body, limit - len(suffix)) + suffix
