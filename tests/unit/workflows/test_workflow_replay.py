"""Recorded histories of every workflow kind replay with the current code: a change to workflow
code that would break a workflow running in production (nondeterminism) fails here.

The histories come from real runs (tests/support/record_histories.py, `--record-histories`) and
are never recorded over: they keep what older code did."""

from __future__ import annotations

import json
from typing import Any

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.support.record_histories import HISTORIES
from worker import WORKFLOW_RUNNER
from workflows.registry import WORKFLOWS

# "<kind>/<scenario>" → tests/fixtures/histories/<kind>/<scenario>.json, parsed
RECORDED: dict[str, dict[str, Any]] = {
    f"{p.parent.name}/{p.stem}": json.loads(p.read_text())
    for p in sorted(HISTORIES.glob("*/*.json"))
}


def workflow_type(name: str) -> str:
    """The workflow type a history's first event (WorkflowExecutionStarted) names."""
    first = RECORDED[name]["events"][0]
    kind: str = first["workflowExecutionStartedEventAttributes"]["workflowType"]["name"]
    return kind


def registered_types() -> set[str | None]:
    return {workflow._Definition.must_from_class(cls).name for cls in WORKFLOWS}


@pytest.mark.parametrize("name", sorted(RECORDED))
async def test_recorded_history_replays_with_current_code(name: str) -> None:
    # The recorded id, not a made-up one: workflow code may derive ids from its own.
    history = WorkflowHistory.from_json(RECORDED[name]["workflowId"], RECORDED[name])
    result = await Replayer(workflows=WORKFLOWS, workflow_runner=WORKFLOW_RUNNER).replay_workflow(
        history, raise_on_replay_failure=False
    )
    assert result.replay_failure is None, result.replay_failure


def test_every_registered_workflow_kind_has_a_recorded_history() -> None:
    recorded = {workflow_type(name) for name in RECORDED}
    assert registered_types() - recorded == set(), "record one with `pytest --record-histories`"


def test_every_recorded_history_is_of_a_registered_workflow() -> None:
    types = {name: workflow_type(name) for name in RECORDED}
    assert {n: t for n, t in types.items() if t not in registered_types()} == {}


# Workflows that sent their notices through a NotificationWorkflow child, then (since a patch)
# themselves: histories of both ways are kept.
BOTH_WAYS = (
    "notify_group/red_reminder_resolved",
    "notify_group/check_run_covered_by_workflow_run",
    "notify_group/older_success_after_newer_failure",
    "notify_group/older_failure_after_newer_success",
    "notify_group/routed_held_then_summarised",
    "notify_group/routed_silence_expired_while_red",
    "blocked_task/escalated_to_summary_then_unblocked",
    "blocked_task/acknowledged_escalated_then_resolved",
)


@pytest.mark.parametrize("sent", ["", "_inline"], ids=["by_children", "by_the_workflow"])
def test_recorded_histories_of_notices_cover_both_ways_of_sending(sent: str) -> None:
    assert set(RECORDED) >= {f"{name}{sent}" for name in BOTH_WAYS}
