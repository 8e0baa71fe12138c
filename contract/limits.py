"""Text limits every layer honours: GitHub's body size, and the one mark hookflow leaves where it
cuts text (routing bounds workflow inputs with them; the GitHub client fits bodies to them)."""

from __future__ import annotations

# GitHub rejects issue, comment and pull request bodies longer than this (422).
MAX_BODY_CHARS = 65_536


def truncation_notice(dropped: int, unit: str = "characters") -> str:
    """The one visible mark hookflow leaves where it cut text: how much went, in what unit."""
    return f"[truncated by hookflow: {dropped} {unit} dropped]"
