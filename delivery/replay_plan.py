"""Replaying a recorded delivery: forced replays get fresh workflow ids, and what each action
will do given the workflow that already carries its id. Pure: no I/O."""

from __future__ import annotations

import dataclasses

from contract.actions import DispatchAction
from routing.decision import RouteDecision

STARTED = "started"  # a new workflow execution
EXISTING = "existing"  # the business key is taken: nothing new starts (use force)
SIGNALLED = "signalled"  # delivered to the running workflow
NOT_RUNNING = "not running"  # an optional signal for a workflow that is not running: dropped


def replay_key(dedupe_key: str, suffix: str) -> str:
    """The routing key of a forced replay: ids derived from it (run ids) are new too."""
    return f"{dedupe_key}:replay-{suffix}"


def forced(decision: RouteDecision, suffix: str) -> RouteDecision:
    """The decision with `-r<suffix>` on every id it would start, so nothing collides with
    the first delivery's workflows. Plain signals still go to the running workflow."""

    def fresh(action: DispatchAction) -> DispatchAction:
        if action.kind == "signal":
            return action
        return dataclasses.replace(action, workflow_id=f"{action.workflow_id}-r{suffix}")

    actions = [fresh(a) for a in decision.actions]
    new_run = decision.new_run
    if new_run is not None:
        new_run = dataclasses.replace(new_run, workflow_id=f"{new_run.workflow_id}-r{suffix}")
    response = dict(decision.response)
    if "workflowIds" in response:
        response["workflowIds"] = sorted({a.workflow_id for a in actions})
    return RouteDecision(decision.status, response, actions, new_run)


def expected_outcome(action: DispatchAction, existing: str | None) -> str:
    """What dispatching `action` does when its workflow id is `existing` ("running",
    "closed") or unused (None), following the dispatcher's id policies."""
    if action.kind == "signal":
        return SIGNALLED if existing == "running" else NOT_RUNNING
    if action.kind == "signal_with_start":
        return SIGNALLED if existing == "running" else STARTED
    return EXISTING if existing is not None else STARTED
