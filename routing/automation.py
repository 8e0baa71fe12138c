"""Repository automation routing: CI failures, merged PRs, blocked tasks. Pure.

- workflow_run completed failure → signal-with-start CIFailureWorkflow (one per fingerprint);
  success → an optional signal to a running one (nothing to close when none runs).
- pull_request closed + merged → start PRMergedWorkflow (one per PR).
- issues labeled BLOCKED_LABEL → signal-with-start BlockedTaskWorkflow (one per issue);
  unlabeled BLOCKED_LABEL / closed → optional signals `unblocked` / `closed`.
"""

from __future__ import annotations

from typing import Any

from contract.actions import DispatchAction, as_arg
from contract.inputs import (
    BlockedTaskInput,
    CIFailureInput,
    CIRunEvent,
    PRMergedInput,
    TaskSignal,
)
from contract.limits import MAX_BODY_CHARS
from contract.names import Signal, Workflow
from routing import fields as f
from routing.ci_conclusions import FAILED_CONCLUSIONS
from routing.ci_trust import FROM_A_FORK, from_fork
from routing.decision import Delivery, HandlerResult, RoutingConfig
from routing.workflow_ids import (
    blocked_workflow_id,
    ci_failure_workflow_id,
    pr_merged_workflow_id,
)

__all__ = [
    "blocked_workflow_id",
    "pr_merged_workflow_id",
    "route_blocked",
    "route_ci_failure",
    "route_pr_merged",
]


def _login(value: Any) -> str:
    return f.login(value) or ""


def route_ci_failure(delivery: Delivery, config: RoutingConfig, dedupe_key: str) -> HandlerResult:
    run = f.obj(delivery.payload.get("workflow_run"))
    if delivery.action != "completed" or not run:
        return HandlerResult(False, "workflow_run is not completed")
    conclusion = f.text(run.get("conclusion"), 100)
    if conclusion != "success" and conclusion not in FAILED_CONCLUSIONS:
        return HandlerResult(False, f"workflow_run conclusion {conclusion!r} is not tracked")
    if from_fork(delivery.repo, run):
        return HandlerResult(False, FROM_A_FORK)  # a fork's `main` neither opens nor closes
    repo = delivery.repo
    name = f.text(run.get("name")) or f.text(f.get(delivery.payload, "workflow", "name"))
    branch = f.text(run.get("head_branch"))
    if not repo or name is None or branch is None:
        return HandlerResult(False, "workflow_run has no repository, name or head_branch")
    watched = config.watched_for(repo)
    if watched and branch not in watched:
        return HandlerResult(False, f"branch {branch[:200]!r} is not watched")
    run_id = f.integer(run.get("id"))
    if run_id is None:
        return HandlerResult(False, "workflow_run has no id")
    failed = conclusion != "success"
    event = CIRunEvent(
        repo=repo,
        workflow=name,
        branch=branch,
        run_id=run_id,
        run_url=f.text(run.get("html_url")) or "",
        attempt=f.integer(run.get("run_attempt"), 1, f.INT32_MAX) or 1,
        head_sha=f.text(run.get("head_sha"), 100) or "",
        actor=_login(run.get("triggering_actor")) or _login(run.get("actor")),
        conclusion="failure" if failed else "success",
        delivery_id=delivery.short_id,
    )
    workflow_id = ci_failure_workflow_id(repo, name, branch)
    action = DispatchAction(
        kind="signal_with_start" if failed else "signal",
        workflow=Workflow.CI_FAILURE,
        workflow_id=workflow_id,
        arg=as_arg(CIFailureInput(repo=repo, workflow=name, branch=branch)),
        signal=Signal.RUN_COMPLETED,
        signal_arg=as_arg(event),
        memo={"repo": repo, "workflow": name[:200], "branch": branch[:200]},
        optional=not failed,
    )
    return HandlerResult(True, actions=[action])


def route_pr_merged(delivery: Delivery, config: RoutingConfig, dedupe_key: str) -> HandlerResult:
    pr = f.obj(delivery.payload.get("pull_request"))
    if delivery.action != "closed" or pr.get("merged") is not True:
        return HandlerResult(False, "pull request was not merged")
    repo = delivery.repo
    number = f.number(pr.get("number"))
    if not repo or number is None:
        return HandlerResult(False, "pull_request has no repository or number")
    arg = PRMergedInput(
        repo=repo,
        pr_number=number,
        pr_url=f.text(pr.get("html_url")) or "",
        title=f.text(pr.get("title"), f.TITLE_LIMIT) or "",
        body=f.text(pr.get("body"), MAX_BODY_CHARS) or "",
        base_branch=f.text(f.get(pr, "base", "ref")) or "",
        head_branch=f.text(f.get(pr, "head", "ref")) or "",
        default_branch=f.text(f.get(delivery.payload, "repository", "default_branch")) or "",
        merged_at=f.text(pr.get("merged_at"), 100),
        merged_by=_login(pr.get("merged_by")),
        delivery_id=delivery.short_id,
    )
    action = DispatchAction(
        kind="start",
        workflow=Workflow.PR_MERGED,
        workflow_id=pr_merged_workflow_id(repo, number),
        arg=as_arg(arg),
        memo={"repo": repo, "pr": number},
    )
    return HandlerResult(True, actions=[action])


def route_blocked(delivery: Delivery, config: RoutingConfig, dedupe_key: str) -> HandlerResult:
    issue = f.obj(delivery.payload.get("issue"))
    repo = delivery.repo
    number = f.number(issue.get("number"))
    label = f.text(f.get(delivery.payload, "label", "name")) or ""
    is_blocked_label = label.casefold() == config.blocked_label.casefold()
    if not repo or number is None or "pull_request" in issue:
        return HandlerResult(False, "not an issue")
    if delivery.action == "unlabeled" and is_blocked_label:
        name = Signal.UNBLOCKED
    elif delivery.action == "closed":
        name = Signal.CLOSED
    elif delivery.action != "labeled" or not is_blocked_label:
        return HandlerResult(False, f"label is not {config.blocked_label}")
    # Only now: most issues deliveries are none of these, and need no ids.
    workflow_id = blocked_workflow_id(repo, number)
    signal = TaskSignal(by=_login(delivery.payload.get("sender")), delivery_id=delivery.short_id)
    if delivery.action == "labeled":
        arg = BlockedTaskInput(
            repo=repo,
            issue_number=number,
            title=f.text(issue.get("title"), f.TITLE_LIMIT) or "",
            url=f.text(issue.get("html_url")) or "",
            sender=signal.by,
            delivery_id=delivery.short_id,
        )
        action = DispatchAction(
            kind="signal_with_start",
            workflow=Workflow.BLOCKED_TASK,
            workflow_id=workflow_id,
            arg=as_arg(arg),
            signal=Signal.BLOCKED,
            signal_arg=as_arg(signal),
            memo={"repo": repo, "issue": number},
        )
        return HandlerResult(True, actions=[action])
    action = DispatchAction(
        kind="signal",
        workflow=Workflow.BLOCKED_TASK,
        workflow_id=workflow_id,
        signal=name,
        signal_arg=as_arg(signal),
        optional=True,
    )
    return HandlerResult(True, actions=[action])
