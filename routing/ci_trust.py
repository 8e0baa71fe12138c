"""Which CI events hookflow may act on: results from the repository itself, never from forks."""

from __future__ import annotations

from typing import Any

FROM_A_FORK = "from a fork"


def from_fork(repo: str | None, item: Any) -> bool:
    """Whether a `workflow_run` / `check_suite` object ran on another repository's code.

    A fork's pull request runs CI in the base repository with the fork as `head_repository`;
    its branch names (`main`, `ai/issue-…`) are the fork author's choice. Without a
    `head_repository` the event is the repository's own (GitHub always sends it for forks).
    """
    if not isinstance(item, dict):
        return False
    head = item.get("head_repository")
    if head is None:
        return False
    name = head.get("full_name") if isinstance(head, dict) else None
    return not isinstance(name, str) or name.casefold() != (repo or "").casefold()
