"""Plugin: a test under tests/unit/ stays a unit test. It may not ask for PostgreSQL or a
Temporal server, and starting a process fails it: such a test belongs under tests/stack/."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, NoReturn

import pytest

UNIT = Path(__file__).resolve().parents[1] / "unit"
# The fixtures every PostgreSQL- or Temporal-backed fixture depends on.
STACK_FIXTURES = frozenset({"postgres", "temporal_env", "time_skipping_env"})


def _is_unit(item: pytest.Item) -> bool:
    return item.path.is_relative_to(UNIT)


@pytest.fixture(autouse=True)
def _unit_tests_stay_unit(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if not _is_unit(request.node):
        return
    stack = sorted(STACK_FIXTURES.intersection(request.fixturenames))
    if stack:
        pytest.fail(f"a unit test uses {', '.join(stack)}: move it under tests/stack/", False)

    def refuse(self: subprocess.Popen[Any], args: Any, *_: Any, **__: Any) -> NoReturn:
        raise AssertionError(f"a unit test started a process ({args!r}): move it to tests/stack/")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
