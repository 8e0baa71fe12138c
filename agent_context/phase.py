"""One phase's view of its issue, as every agent backend gets it: title, body, review feedback and
CI excerpt cleaned of hidden text, the discussion (gathered once per run) and the repository's
instructions for agents, within LLM_CONTEXT_BYTES; plus the record of what was removed. Pure but
for reading the instruction file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent_context.hidden_text import Removal, clean
from agent_context.instructions import read_instructions

HIDDEN_TEXT_ARTIFACT = "hidden-text"
COMMENTS_ARTIFACT = "issue-comments"


def comments_budget(context_bytes: int) -> int:
    return context_bytes // 4


def instructions_budget(context_bytes: int) -> int:
    return context_bytes // 8


@dataclass
class PhaseContext:
    issue: dict[str, Any]
    feedback: str | None
    ci_failure: str | None
    comments: dict[str, Any] | None = None  # agent_context.thread.Thread.as_json()
    instructions: dict[str, Any] | None = None  # Instructions.as_json()
    removed: dict[str, list[Removal]] = field(default_factory=dict)  # source → removals


def _clean(value: Any, source: str, removed: dict[str, list[Removal]]) -> Any:
    if not isinstance(value, str) or not value:
        return value
    cleaned = clean(value)
    if cleaned.removed:
        removed[source] = list(cleaned.removed)
    return cleaned.text


def phase_context(
    issue: dict[str, Any],
    *,
    feedback: str | None,
    ci_failure: str | None,
    comments: dict[str, Any] | None,
    workspace: str | None,
    context_bytes: int,
) -> PhaseContext:
    removed: dict[str, list[Removal]] = {}
    visible = dict(issue)
    visible["title"] = _clean(issue.get("title"), "issue title", removed)
    visible["body"] = _clean(issue.get("body"), "issue body", removed)
    context = PhaseContext(
        visible,
        _clean(feedback, "review feedback", removed),
        _clean(ci_failure, "CI failure excerpt", removed),
        comments,
        removed=removed,
    )
    found = read_instructions(workspace, instructions_budget(context_bytes))
    if found is not None:
        context.instructions = found.as_json()
        if found.removed:
            removed[found.file] = list(found.removed)
    return context


def merge_record(
    existing: dict[str, Any] | None, removed: dict[str, list[Removal]]
) -> dict[str, Any] | None:
    """The run's `hidden-text` artifact with `removed` added (by source; a retry replaces its
    own entries); None when there is nothing new to store."""
    if not removed:
        return None
    record = dict(existing or {})
    for source, items in removed.items():
        record[source] = [r.as_json() for r in items]
    return record if record != existing else None
