"""The replay plan of a recorded delivery: what a replay is expected to do by each workflow id's
policy, and what --force changes."""

from __future__ import annotations

from typing import Any

import pytest

from contract.actions import DispatchAction
from delivery.replay_plan import EXISTING, NOT_RUNNING, SIGNALLED, STARTED, expected_outcome, forced
from routing.decision import NewRun, RouteDecision


def action(kind: Any, wid: str = "w-1") -> DispatchAction:
    return DispatchAction(kind=kind, workflow="W", workflow_id=wid)


@pytest.mark.parametrize(
    ("kind", "existing", "outcome"),
    [
        ("start", None, STARTED),
        ("start", "running", EXISTING),
        ("start", "closed", EXISTING),
        ("signal_with_start", None, STARTED),
        ("signal_with_start", "closed", STARTED),
        ("signal_with_start", "running", SIGNALLED),
        ("signal", "running", SIGNALLED),
        ("signal", None, NOT_RUNNING),
    ],
)
def test_expected_outcome_follows_id_policies(
    kind: str, existing: str | None, outcome: str
) -> None:
    assert expected_outcome(action(kind), existing) == outcome


def test_forced_renames_starts_but_not_signals() -> None:
    run = NewRun("r", "ai-run-x", "o/r", 1, "t", None, None, "b")
    decision = RouteDecision(
        "accepted",
        {"status": "accepted", "workflowIds": ["a", "b", "c"]},
        [action("start", "a"), action("signal_with_start", "b"), action("signal", "c")],
        run,
    )
    result = forced(decision, "abc")
    assert [a.workflow_id for a in result.actions] == ["a-rabc", "b-rabc", "c"]
    assert result.new_run is not None and result.new_run.workflow_id == "ai-run-x-rabc"
    assert result.response["workflowIds"] == ["a-rabc", "b-rabc", "c"]
    assert [a.workflow_id for a in decision.actions] == ["a", "b", "c"]  # not mutated
