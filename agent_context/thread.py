"""The discussion under an issue as an agent gets it: people's comments (not hookflow's own),
cleaned of hidden text, oldest first, within a byte budget that keeps the newest. Pure."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from agent_context.hidden_text import Removal, clean
from agent_context.instructions import clip_bytes

HOOKFLOW_MARKER = "<!-- hookflow:"  # on every comment hookflow writes


@dataclass
class Thread:
    comments: list[dict[str, Any]]  # oldest first: author, association, createdAt, body
    omitted: int = 0  # older comments left out for the budget
    removed: dict[str, list[Removal]] = field(default_factory=dict)  # source → removals

    def as_json(self) -> dict[str, Any]:
        return {"comments": self.comments, "omittedOlder": self.omitted}


def _entry(comment: dict[str, Any], body: str) -> dict[str, Any]:
    user = comment.get("user") if isinstance(comment.get("user"), dict) else {}
    return {
        "author": str((user or {}).get("login") or ""),
        "association": str(comment.get("author_association") or ""),
        "createdAt": str(comment.get("created_at") or ""),
        "body": body,
    }


def _size(entry: dict[str, Any]) -> int:
    return len(json.dumps(entry, ensure_ascii=False).encode())


def build_thread(comments: list[dict[str, Any]], budget: int) -> Thread:
    """`comments` as GitHub lists them (oldest first); the newest that fit in `budget` bytes,
    the newest one cut down if even it alone does not."""
    thread = Thread([])
    kept: list[dict[str, Any]] = []
    used = 0
    people = [
        c
        for c in comments
        if isinstance(c, dict)
        and isinstance(c.get("body"), str)
        and HOOKFLOW_MARKER not in c["body"]
    ]
    for index, comment in enumerate(reversed(people)):
        cleaned = clean(comment["body"])
        entry = _entry(comment, cleaned.text)
        size = _size(entry)
        if used + size > budget:
            if kept:
                thread.omitted = len(people) - index
                break
            # The newest alone is too long: its beginning, and nothing older.
            entry["body"], _ = clip_bytes(cleaned.text, max(0, budget - 200))
            size = budget
            thread.omitted = len(people) - 1
        if cleaned.removed:
            source = f"comment {comment.get('id')} by @{entry['author']}"
            thread.removed[source] = list(cleaned.removed)
        kept.append(entry)
        used += size
        if used >= budget:
            break
    thread.comments = list(reversed(kept))
    return thread
