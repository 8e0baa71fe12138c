"""CI results for AI run branches: a completed `workflow_run` / `check_suite` on a head branch
`ai/issue-<n>-<short run id>` becomes a `ci_result` signal to that run's workflow (pure)."""

from __future__ import annotations

import re
from typing import Any

from routing.actions import DispatchAction
from routing.ai_run import run_workflow_id
from routing.ci_trust import FROM_A_FORK, from_fork
from routing.decision import Delivery, HandlerResult, RoutingConfig

RUN_BRANCH = re.compile(r"^ai/issue-(\d+)-([0-9a-f]{8})$")
CI_SIGNAL = "ci_result"


def run_workflow_for_branch(repo: str, branch: str | None) -> str | None:
    """The RunWorkflow id that owns `branch` (see routing.ai_run.run_branch), if any."""
    match = RUN_BRANCH.match(branch or "")
    if match is None:
        return None
    return run_workflow_id(repo, int(match.group(1)), match.group(2))


def _ci_signal(workflow_id: str, arg: dict[str, Any]) -> DispatchAction:
    return DispatchAction(kind="signal", workflow="RunWorkflow", workflow_id=workflow_id,
                          signal=CI_SIGNAL, signal_arg=arg, optional=True)


def route_run_ci(delivery: Delivery, config: RoutingConfig, dedupe_key: str) -> HandlerResult:
    """Tell the run owning the head branch how its CI ended (signal dropped if it is gone)."""
    if delivery.action != "completed" or not delivery.repo:
        return HandlerResult(False, "not a completed CI event")
    key = "workflow_run" if delivery.event == "workflow_run" else "check_suite"
    item = delivery.payload.get(key)
    if not isinstance(item, dict):
        return HandlerResult(False, f"payload has no {key}")
    if from_fork(delivery.repo, item):
        return HandlerResult(False, FROM_A_FORK)
    workflow_id = run_workflow_for_branch(delivery.repo, item.get("head_branch"))
    if workflow_id is None:
        return HandlerResult(False, "head branch is not an AI run branch")
    conclusion = item.get("conclusion")
    if not isinstance(conclusion, str):
        return HandlerResult(False, f"{key} has no conclusion")
    app = item.get("app") if isinstance(item.get("app"), dict) else {}
    arg: dict[str, Any] = {
        "conclusion": conclusion,
        "name": str(item.get("name") or (app or {}).get("name") or key),
        "workflow_run_id": item.get("id") if key == "workflow_run" else None,
        "head_sha": item.get("head_sha"),
        "html_url": item.get("html_url"),
        "source": key,
    }
    return HandlerResult(True, actions=[_ci_signal(workflow_id, arg)])
