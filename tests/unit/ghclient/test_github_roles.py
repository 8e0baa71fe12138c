"""The role a permission answer grants and the RUN_TRIGGER_PERMISSION comparison, as a table."""

from __future__ import annotations

from typing import Any

import pytest

from ghclient.roles import at_least, role_of


@pytest.mark.parametrize(
    ("answer", "role"),
    [
        ({"permission": "write", "role_name": "maintain"}, "maintain"),
        ({"permission": "read", "role_name": "triage"}, "triage"),
        ({"permission": "admin", "role_name": "admin"}, "admin"),
        ({"permission": "write", "role_name": "security-reviewer"}, "write"),  # custom role
        ({"permission": "read"}, "read"),  # older servers without role_name
        ({"permission": "none", "role_name": ""}, "none"),
        ({"permission": "owner"}, "none"),
        ({}, "none"),
        (None, "none"),
        (["write"], "none"),
    ],
)
def test_role_of_answer(answer: Any, role: str) -> None:
    assert role_of(answer) == role


@pytest.mark.parametrize(
    ("role", "needed", "allowed"),
    [
        ("admin", "write", True),
        ("maintain", "write", True),
        ("write", "write", True),
        ("triage", "write", False),
        ("read", "write", False),
        ("none", "read", False),
        ("triage", "triage", True),
        ("read", "read", True),
        ("write", "admin", False),
        ("unknown", "read", False),
        ("admin", "bogus", False),
    ],
)
def test_at_least(role: str, needed: str, allowed: bool) -> None:
    assert at_least(role, needed) is allowed
