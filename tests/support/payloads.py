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


def comment_payload(
    repo: str,
    number: int,
    comment_id: int,
    body: str,
    *,
    login: str = "mona",
    association: str = "MEMBER",
    on_pull: bool = False,
) -> dict[str, Any]:
    """A `created` issue_comment delivery: `login` (`association` to the repository) comments
    `body` on issue `number`, or on pull request `number` (`on_pull`)."""
    issue: dict[str, Any] = {"number": number, "title": "t"}
    if on_pull:
        issue["pull_request"] = {"url": f"https://api.github.com/repos/{repo}/pulls/{number}"}
    return {
        "action": "created",
        "repository": {"full_name": repo},
        "issue": issue,
        "comment": {
            "id": comment_id,
            "body": body,
            "author_association": association,
            "user": {"login": login, "type": "User"},
        },
        "sender": {"login": login},
    }
