"""Review feedback for a run (the `feedback` signal's argument) and per-phase token usage."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass
class Feedback:
    """Review text from a person allowed to steer the run (checked by routing)."""

    text: str
    author: str = ""
    source: str = "review"  # review | comment
    pr_number: int | None = None
    url: str | None = None
    comment_id: int | None = None

    def text_for_agent(self) -> str:
        who = f"@{self.author}" if self.author else "a reviewer"
        body = self.text.strip() or "(no text: see the review on the pull request)"
        return f"From {who} ({self.source}):\n{body}"


def feedback_key(feedback: Feedback, what: str) -> str:
    """The comment key for one piece of feedback (one acknowledgement each)."""
    ident = (str(feedback.comment_id) if feedback.comment_id is not None
             else hashlib.sha256(feedback.text.encode()).hexdigest()[:12])  # deterministic
    return f"feedback-{feedback.source}-{ident}-{what}"


def add_usage(total: dict[str, dict[str, int]], phase: str, usage: dict[str, int]) -> None:
    """Sum one phase's token usage into the run's per-phase totals."""
    into = total.setdefault(phase, {})
    for name, value in usage.items():
        into[name] = into.get(name, 0) + int(value)
