"""CI results for AI run branches: a completed `workflow_run` / `check_suite` on a head branch
`ai/issue-<n>-<short run id>` becomes a `ci_result` signal to that run's workflow (pure)."""

from __future__ import annotations

from contract.actions import DispatchAction, as_arg
from contract.inputs import CIResult
from contract.names import Signal, Workflow
from routing import fields as f
from routing.ai_run import RUN_BRANCH
from routing.ci_trust import FROM_A_FORK, from_fork
from routing.decision import Delivery, HandlerResult, RoutingConfig
from routing.workflow_ids import run_workflow_id


def run_workflow_for_branch(repo: str, branch: object) -> str | None:
    """The RunWorkflow id that owns `branch` (see routing.ai_run.run_branch), if any."""
    match = RUN_BRANCH.match(branch) if isinstance(branch, str) else None
    if match is None:
        return None
    return run_workflow_id(repo, int(match.group("issue")), match.group("short"))


def _ci_signal(workflow_id: str, arg: CIResult) -> DispatchAction:
    return DispatchAction(
        kind="signal",
        workflow=Workflow.RUN,
        workflow_id=workflow_id,
        signal=Signal.CI_RESULT,
        signal_arg=as_arg(arg),
        optional=True,
    )


def route_run_ci(delivery: Delivery, config: RoutingConfig, dedupe_key: str) -> HandlerResult:
    """Tell the run owning the head branch how its CI ended (signal dropped if it is gone)."""
    repo = delivery.repo
    if delivery.action != "completed" or repo is None:
        return HandlerResult(False, "not a completed CI event")
    key = "workflow_run" if delivery.event == "workflow_run" else "check_suite"
    item = delivery.payload.get(key)
    if not isinstance(item, dict):
        return HandlerResult(False, f"payload has no {key}")
    if from_fork(repo, item):
        return HandlerResult(False, FROM_A_FORK)
    workflow_id = run_workflow_for_branch(repo, item.get("head_branch"))
    if workflow_id is None:
        return HandlerResult(False, "head branch is not an AI run branch")
    conclusion = f.text(item.get("conclusion"), 100)
    if conclusion is None:
        return HandlerResult(False, f"{key} has no conclusion")
    arg = CIResult(
        conclusion=conclusion,
        name=f.text(item.get("name")) or f.text(f.get(item, "app", "name")) or key,
        workflow_run_id=f.integer(item.get("id")) if key == "workflow_run" else None,
        head_sha=f.text(item.get("head_sha"), 100),
        html_url=f.text(item.get("html_url")),
        source=key,
    )
    return HandlerResult(True, actions=[_ci_signal(workflow_id, arg)])
