"""The repository's root and the fixture files under tests/fixtures/ (JSON payloads, config
templates)."""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
EVENTS = FIXTURES / "events"
# GitHub-shaped payloads under tests/fixtures/events, by the event they are delivered as.
EVENT_FIXTURES = {
    "issues": ["issues_labeled_ai_run.json", "issues.labeled_blocked.json"],
    "workflow_run": [
        "workflow_run.failure.json",
        "workflow_run.success.json",
        "workflow_run.ai_branch.json",
    ],
    "check_run": ["check_run.failure.json"],
    "pull_request": ["pull_request.opened.json", "pull_request.merged.json"],
    "push": ["push.main.json"],
}


def load_fixture(name: str) -> dict[str, Any]:
    """tests/fixtures/<name> (e.g. "events/push.main.json"), a fresh copy on every call."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def fixture_text(name: str, **values: object) -> str:
    """tests/fixtures/<name> (e.g. "notify/quiet_hours.yaml") with its $placeholders filled."""
    return string.Template((FIXTURES / name).read_text()).substitute(values)
