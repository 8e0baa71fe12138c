"""A tool a test needs is missing: skip on a developer's machine, fail under
HOOKFLOW_REQUIRE_TOOLS=1 (set by .ci/run), so a green CI never hides a test that did not run."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

REQUIRE_TOOLS = "HOOKFLOW_REQUIRE_TOOLS"


def tools_required() -> bool:
    return os.environ.get(REQUIRE_TOOLS, "").strip() not in ("", "0")


def missing_tool(what: str) -> NoReturn:
    """Skip the test, or fail it when the environment promises every tool (CI)."""
    if tools_required():
        pytest.fail(f"{what}, and {REQUIRE_TOOLS}=1 requires it", pytrace=False)
    pytest.skip(what)


def fail_skip(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Under HOOKFLOW_REQUIRE_TOOLS=1 a skipped test or module is a failed one (an xfail stays
    an xfail): whatever made it skip, CI did not run it."""
    if not (report.skipped and tools_required()) or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"skipped, and {REQUIRE_TOOLS}=1 allows no skip: {reason}"
