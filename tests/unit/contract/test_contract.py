"""The Temporal contract holds on both sides: every action routing can produce names a workflow
the worker registers, a signal that workflow declares, and an input (and signal argument) the
workflow's own types accept — field for field, nothing unknown, nothing required missing."""

from __future__ import annotations

import copy
import dataclasses
import json
import typing
from typing import Any

import pytest
from temporalio import workflow
from temporalio.converter import value_to_type

from contract.actions import DispatchAction
from contract.names import Signal, Workflow
from routing.decision import Delivery, RoutingConfig
from routing.router import route
from tests.support.files import EVENTS
from workflows.registry import WORKFLOWS

DEFINITIONS = {d.name: d for d in (workflow._Definition.must_from_class(w) for w in WORKFLOWS)}


def _fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / name).read_text())
    data.pop("_event_type", None)
    return data


def _deliveries() -> list[tuple[str, str, dict[str, Any]]]:
    """(case, event, payload): one delivery per kind of action routing produces."""
    labeled = _fixture("issues_labeled_ai_run.json")
    blocked = _fixture("issues.labeled_blocked.json")
    unblocked = copy.deepcopy(blocked) | {"action": "unlabeled"}
    closed = copy.deepcopy(blocked) | {"action": "closed"}
    comment = {
        "action": "created",
        "issue": labeled["issue"],
        "comment": {
            "id": 99,
            "body": "/hookflow run",
            "user": {"login": "octocat", "type": "User"},
            "author_association": "OWNER",
            "html_url": "https://github.com/octo-org/octo-repo/issues/42#issuecomment-99",
        },
        "repository": labeled["repository"],
        "sender": {"login": "octocat"},
    }
    suite = _fixture("workflow_run.ai_branch.json")
    check_suite = {
        "action": "completed",
        "check_suite": suite["workflow_run"] | {"app": {"name": "ci"}},
        "repository": suite["repository"],
    }
    return [
        ("ai_run", "issues", labeled),
        ("blocked", "issues", blocked),
        ("unblocked", "issues", unblocked),
        ("closed", "issues", closed),
        ("command", "issue_comment", comment),
        ("ci_failure", "workflow_run", _fixture("workflow_run.failure.json")),
        ("ci_success", "workflow_run", _fixture("workflow_run.success.json")),
        ("run_ci", "workflow_run", suite),
        ("run_ci_suite", "check_suite", check_suite),
        ("check_run", "check_run", _fixture("check_run.failure.json")),
        ("pr_merged", "pull_request", _fixture("pull_request.merged.json")),
        ("pr_opened", "pull_request", _fixture("pull_request.opened.json")),
        ("push", "push", _fixture("push.main.json")),
    ]


def _actions() -> list[tuple[str, DispatchAction]]:
    found = []
    for case, event, payload in _deliveries():
        delivery = Delivery(event=event, payload=payload, delivery_id=f"d-{case}", hook_id="h")
        decision = route(delivery, RoutingConfig(), f"h:d-{case}")
        found += [(f"{case}-{i}", a) for i, a in enumerate(decision.actions)]
    return found


ACTIONS = _actions()


def _accepts(fn: Any, value: dict[str, Any]) -> None:
    """`value` converts to the type of `fn`'s one argument with no key left unread."""
    hints = typing.get_type_hints(fn)
    hints.pop("return", None)
    (hint,) = hints.values()
    assert isinstance(hint, type) and dataclasses.is_dataclass(hint), hint
    names = {f.name for f in dataclasses.fields(hint)}
    assert set(value) <= names, f"unknown fields {set(value) - names} for {hint.__name__}"
    value_to_type(hint, json.loads(json.dumps(value)), [])


def test_routing_produces_every_kind_of_workflow_it_may_start() -> None:
    started = {a.workflow for _, a in ACTIONS}
    # Retention and recovery run on schedules, not from deliveries.
    assert started == set(Workflow) - {Workflow.RETENTION, Workflow.RECOVER}
    assert {a.kind for _, a in ACTIONS} == {"start", "signal_with_start", "signal"}


@pytest.mark.parametrize(("case", "action"), ACTIONS, ids=[c for c, _ in ACTIONS])
def test_action_names_a_registered_workflow_signal_and_input(
    case: str, action: DispatchAction
) -> None:
    definition = DEFINITIONS.get(action.workflow)
    assert definition is not None, f"{action.workflow} is not registered with the worker"
    if action.kind != "signal":
        _accepts(definition.run_fn, action.arg)
    if action.kind != "start":
        assert action.signal is not None and action.signal in definition.signals
        signal_fn = definition.signals[action.signal].fn
        if action.signal_arg is not None:
            _accepts(signal_fn, action.signal_arg)
    assert json.loads(json.dumps(action.to_json())) == action.to_json()  # stored as JSON


def test_every_contract_name_is_declared_by_a_registered_workflow() -> None:
    assert set(DEFINITIONS) == set(Workflow)
    declared = {s for d in DEFINITIONS.values() for s in d.signals if s is not None}
    assert set(Signal) <= declared, set(Signal) - declared


def test_an_unknown_input_field_is_caught() -> None:
    # The check above bites: Temporal's converter alone ignores unknown fields.
    run = DEFINITIONS[Workflow.RUN]
    with pytest.raises(AssertionError, match="unknown fields"):
        _accepts(run.run_fn, {"run_id": "r", "repo": "o/r", "issue_number": 1, "titel": "x"})
