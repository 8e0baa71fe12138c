"""Payloads built from the JSON fixtures for one test's repository and numbers."""

from __future__ import annotations

import copy
from typing import Any

from tests.support.files import load_fixture


def issue_payload(repo: str, action: str, number: int = 42) -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture("events/issues.labeled_blocked.json"))
    payload["action"] = action
    payload["repository"]["full_name"] = repo
    payload["issue"]["number"] = number
    payload["issue"]["html_url"] = f"https://github.com/{repo}/issues/{number}"
    return payload
