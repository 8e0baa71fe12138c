"""Where RUN_PHASES split around the push, and which phases a CI failure or feedback re-runs."""

from __future__ import annotations

import pytest

from workflows.run.phases import PhasePlan

DEFAULT = ["qualify", "plan", "implement", "test", "document", "report"]


@pytest.mark.parametrize(
    ("phases", "before_push", "fixing", "after_ci"),
    [
        (
            DEFAULT,
            ["qualify", "plan", "implement", "test"],
            ["implement", "test"],
            ["document", "report"],
        ),
        (["implement"], ["implement"], ["implement"], []),
        (["test", "report"], ["test"], ["test"], ["report"]),
        # Without code phases everything runs before the push and a failure re-runs them all.
        (["plan", "report"], ["plan", "report"], ["plan", "report"], []),
        (
            ["implement", "document", "test"],
            ["implement", "document", "test"],
            ["implement", "document", "test"],
            [],
        ),
        ([], [], [], []),
    ],
)
def test_phase_plan_splits_phases_at_the_last_code_phase(
    phases: list[str],
    before_push: list[str],
    fixing: list[str],
    after_ci: list[str],
) -> None:
    plan = PhasePlan(phases)
    assert (plan.before_push, plan.fixing, plan.after_ci) == (before_push, fixing, after_ci)
