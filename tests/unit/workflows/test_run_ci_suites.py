"""The CI verdict of a run's commit waits for every check suite that ran (workflows/ci_verdict.py, a
table)."""

from __future__ import annotations

import pytest

from activities.run_github import SuiteState
from workflows.ci_verdict import ci_verdict


def suite(
    name: str, status: str = "completed", conclusion: str | None = "success", runs: int = 1
) -> SuiteState:
    return SuiteState(id=1, name=name, status=status, conclusion=conclusion, check_runs=runs)


@pytest.mark.parametrize(
    ("suites", "pending", "failed"),
    [
        ([], [], []),
        ([suite("Actions")], [], []),
        ([suite("Actions"), suite("Buildkite", "in_progress", None)], ["Buildkite"], []),
        (
            [suite("Actions", conclusion="failure"), suite("Lint", "queued", None)],
            ["Lint"],
            ["Actions"],
        ),
        ([suite("Actions"), suite("Buildkite", conclusion="timed_out")], [], ["Buildkite"]),
        ([suite("Actions", conclusion="neutral"), suite("Docs", conclusion="skipped")], [], []),
        # An app that never ran checks on the commit stays queued for ever: it does not count.
        ([suite("Actions"), suite("Dependabot", "queued", None, runs=0)], [], []),
    ],
)
def test_ci_verdict_waits_for_every_suite_that_ran(
    suites: list[SuiteState], pending: list[str], failed: list[str]
) -> None:
    verdict = ci_verdict(suites)
    assert verdict.pending == pending and [s.name for s in verdict.failed] == failed
