"""routing.run_ci: CI results on run branches become `ci_result` signals (pure, table-driven)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from routing.ai_run import run_branch
from routing.automation import route_ci_failure
from routing.decision import Delivery, RoutingConfig
from routing.router import route
from routing.run_ci import route_run_ci, run_workflow_for_branch
from routing.workflow_ids import run_workflow_id
from tests.support.files import load_fixture
from tests.support.payloads import check_suite_payload

RUN_ID = "0a1b2c3d-0000-4000-8000-000000000000"
REPO = "octo-org/octo-repo"
BRANCH = run_branch(42, RUN_ID)


def workflow_run(**changes: Any) -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture("events/workflow_run.ai_branch.json"))
    payload["workflow_run"].update({"head_branch": BRANCH, **changes})
    return payload


def test_run_workflow_for_branch_matches_run_branches_only() -> None:
    assert run_workflow_for_branch(REPO, BRANCH) == run_workflow_id(REPO, 42, RUN_ID)
    for other in ("main", "ai/issue-42", "ai/issue-x-0a1b2c3d", f"{BRANCH}-x", None):
        assert run_workflow_for_branch(REPO, other) is None


def test_route_workflow_run_completed_on_run_branch_signals_the_run() -> None:
    delivery = Delivery("workflow_run", workflow_run(conclusion="failure"), "d1", "h1")
    result = route_run_ci(delivery, RoutingConfig(), "h1:d1")
    [action] = result.actions
    assert result.handled and action.kind == "signal" and action.optional
    assert action.workflow_id == run_workflow_id(REPO, 42, RUN_ID)
    assert action.signal == "ci_result"
    assert action.signal_arg == {
        "conclusion": "failure",
        "name": "CI Tests",
        "workflow_run_id": 9876543210,
        "head_sha": "9f2c1e7b4a5d3c8e6f0a1b2c3d4e5f60718293a4",
        "html_url": "https://github.com/octo-org/octo-repo/actions/runs/9876543210",
        "source": "workflow_run",
    }
    decision = route(delivery, RoutingConfig(), "h1:d1")
    assert action.workflow_id in decision.response["workflowIds"]


def test_route_check_suite_completed_on_run_branch_signals_the_run() -> None:
    payload = check_suite_payload(REPO, BRANCH, "abc", "success", app={"name": "Buildkite"})
    result = route_run_ci(Delivery("check_suite", payload, "d", "h"), RoutingConfig(), "h:d")
    [action] = result.actions
    assert action.signal_arg == {
        "conclusion": "success",
        "name": "Buildkite",
        "workflow_run_id": None,
        "head_sha": "abc",
        "html_url": None,
        "source": "check_suite",
    }


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (workflow_run(head_branch="main"), "head branch is not an AI run branch"),
        ({**workflow_run(), "action": "requested"}, "not a completed CI event"),
        (workflow_run(conclusion=None), "workflow_run has no conclusion"),
    ],
)
def test_route_run_ci_ignores_other_deliveries(payload: dict[str, Any], reason: str) -> None:
    result = route_run_ci(Delivery("workflow_run", payload, "d", "h"), RoutingConfig(), "h:d")
    assert not result.handled and result.reason == reason and result.actions == []


FORK = {"id": 99, "name": "octo-repo", "full_name": "mallory/octo-repo"}


@pytest.mark.parametrize("head", [FORK, {"full_name": None}, "mallory/octo-repo"])
def test_route_run_ci_ignores_workflow_run_from_a_fork(head: object) -> None:
    payload = workflow_run(conclusion="failure", head_repository=head)
    result = route_run_ci(Delivery("workflow_run", payload, "d", "h"), RoutingConfig(), "h:d")
    assert not result.handled and result.reason == "from a fork" and result.actions == []


def test_route_check_suite_from_a_fork_is_ignored_with_reason() -> None:
    payload = check_suite_payload(REPO, BRANCH, "abc", "failure", head_repository=FORK)
    decision = route(Delivery("check_suite", payload, "d", "h"), RoutingConfig(), "h:d")
    assert decision.status == "ignored" and decision.actions == []
    assert decision.response == {"status": "ignored", "reason": "from a fork"}


@pytest.mark.parametrize("conclusion", ["failure", "success"])
def test_route_fork_workflow_run_on_watched_branch_starts_no_ci_failure_workflow(
    conclusion: str,
) -> None:
    payload = copy.deepcopy(load_fixture("events/workflow_run.failure.json"))
    payload["workflow_run"].update(
        conclusion=conclusion, head_branch="main", head_repository={"full_name": "mallory/widgets"}
    )
    delivery = Delivery("workflow_run", payload, "d", "h")
    assert route_ci_failure(delivery, RoutingConfig(), "h:d").reason == "from a fork"
    decision = route(delivery, RoutingConfig(), "h:d")
    assert not [a for a in decision.actions if a.workflow in ("CIFailureWorkflow", "RunWorkflow")]


def test_route_own_workflow_run_with_different_case_is_not_a_fork() -> None:
    payload = workflow_run(conclusion="success", head_repository={"full_name": REPO.upper()})
    result = route_run_ci(Delivery("workflow_run", payload, "d", "h"), RoutingConfig(), "h:d")
    assert result.handled
