"""Payloads built from the JSON fixtures for one test's repository and numbers."""

from __future__ import annotations

import copy
from typing import Any

from tests.support.files import load_fixture


def check_suite_payload(
    repo: str, branch: str, sha: str, conclusion: str, *, suite_id: int = 5, **suite: Any
) -> dict[str, Any]:
    """A completed `check_suite` delivery; `suite` adds or replaces fields of the suite (`app`,
    `status`, `head_repository` …)."""
    return {
        "action": "completed",
        "repository": {"full_name": repo},
        "check_suite": {
            "id": suite_id,
            "head_branch": branch,
            "head_sha": sha,
            "conclusion": conclusion,
            **suite,
        },
    }


def issue_payload(repo: str, action: str, number: int = 42) -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture("events/issues.labeled_blocked.json"))
    payload["action"] = action
    payload["repository"]["full_name"] = repo
    payload["issue"]["number"] = number
    payload["issue"]["html_url"] = f"https://github.com/{repo}/issues/{number}"
    return payload
