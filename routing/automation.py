"""Repository automation routing (issue 5): CI failures, merged PRs, blocked tasks. Pure.

- workflow_run completed failure → signal-with-start CIFailureWorkflow (one per fingerprint);
  success → an optional signal to a running one (nothing to close when none runs).
- pull_request closed + merged → start PRMergedWorkflow (one per PR).
- issues labeled BLOCKED_LABEL → signal-with-start BlockedTaskWorkflow (one per issue);
  unlabeled BLOCKED_LABEL / closed → optional signals `unblocked` / `closed`.
"""

from __future__ import annotations

from typing import Any

from routing.actions import DispatchAction
from routing.ci_failure import ci_failure_workflow_id
from routing.ci_trust import FROM_A_FORK, from_fork
from routing.decision import Delivery, HandlerResult, RoutingConfig

FAILURE_CONCLUSIONS = ("failure", "timed_out", "startup_failure")


def blocked_workflow_id(repo: str, issue_number: int) -> str:
    return f"blocked-{repo}-{issue_number}"


def pr_merged_workflow_id(repo: str, pr_number: int) -> str:
    return f"pr-merged-{repo}-{pr_number}"


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _login(value: Any) -> str:
    return str(_obj(value).get("login") or "")


def route_ci_failure(delivery: Delivery, config: RoutingConfig, dedupe_key: str) -> HandlerResult:
    run = _obj(delivery.payload.get("workflow_run"))
    if delivery.action != "completed" or not run:
        return HandlerResult(False, "workflow_run is not completed")
    conclusion = run.get("conclusion")
    if conclusion != "success" and conclusion not in FAILURE_CONCLUSIONS:
        return HandlerResult(False, f"workflow_run conclusion {conclusion!r} is not tracked")
    if from_fork(delivery.repo, run):
        return HandlerResult(False, FROM_A_FORK)  # a fork's `main` neither opens nor closes
    repo = delivery.repo
    name = run.get("name") or _obj(delivery.payload.get("workflow")).get("name")
    branch = run.get("head_branch")
    if not repo or not isinstance(name, str) or not isinstance(branch, str):
        return HandlerResult(False, "workflow_run has no repository, name or head_branch")
    if config.watched_branches and branch not in config.watched_branches:
        return HandlerResult(False, f"branch {branch!r} is not watched")
    if not isinstance(run.get("id"), int):
        return HandlerResult(False, "workflow_run has no id")
    failed = conclusion != "success"
    event = {
        "repo": repo,
        "workflow": name,
        "branch": branch,
        "run_id": run["id"],
        "run_url": str(run.get("html_url") or ""),
        "attempt": int(run.get("run_attempt") or 1),
        "head_sha": str(run.get("head_sha") or ""),
        "actor": _login(run.get("triggering_actor")) or _login(run.get("actor")),
        "conclusion": "failure" if failed else "success",
        "delivery_id": delivery.delivery_id,
    }
    workflow_id = ci_failure_workflow_id(repo, name, branch)
    action = DispatchAction(
        kind="signal_with_start" if failed else "signal",
        workflow="CIFailureWorkflow",
        workflow_id=workflow_id,
        arg={"repo": repo, "workflow": name, "branch": branch},
        signal="run_completed",
        signal_arg=event,
        memo={"repo": repo, "workflow": name, "branch": branch},
        optional=not failed,
    )
    return HandlerResult(True, actions=[action])


def route_pr_merged(delivery: Delivery, config: RoutingConfig, dedupe_key: str) -> HandlerResult:
    pr = _obj(delivery.payload.get("pull_request"))
    if delivery.action != "closed" or pr.get("merged") is not True:
        return HandlerResult(False, "pull request was not merged")
    repo = delivery.repo
    number = pr.get("number")
    if not repo or not isinstance(number, int):
        return HandlerResult(False, "pull_request has no repository or number")
    repository = _obj(delivery.payload.get("repository"))
    arg = {
        "repo": repo,
        "pr_number": number,
        "pr_url": str(pr.get("html_url") or ""),
        "title": str(pr.get("title") or ""),
        "body": str(pr.get("body") or ""),
        "base_branch": str(_obj(pr.get("base")).get("ref") or ""),
        "head_branch": str(_obj(pr.get("head")).get("ref") or ""),
        "default_branch": str(repository.get("default_branch") or ""),
        "merged_at": pr.get("merged_at"),
        "merged_by": _login(pr.get("merged_by")),
        "delivery_id": delivery.delivery_id,
    }
    action = DispatchAction(
        kind="start", workflow="PRMergedWorkflow",
        workflow_id=pr_merged_workflow_id(repo, number), arg=arg,
        memo={"repo": repo, "pr": number},
    )
    return HandlerResult(True, actions=[action])


def route_blocked(delivery: Delivery, config: RoutingConfig, dedupe_key: str) -> HandlerResult:
    issue = _obj(delivery.payload.get("issue"))
    repo = delivery.repo
    number = issue.get("number")
    label = str(_obj(delivery.payload.get("label")).get("name") or "")
    is_blocked_label = label.casefold() == config.blocked_label.casefold()
    if not repo or not isinstance(number, int) or "pull_request" in issue:
        return HandlerResult(False, "not an issue")
    workflow_id = blocked_workflow_id(repo, number)
    signal = {"by": _login(delivery.payload.get("sender")), "delivery_id": delivery.delivery_id}
    if delivery.action == "labeled" and is_blocked_label:
        arg = {
            "repo": repo,
            "issue_number": number,
            "title": str(issue.get("title") or ""),
            "url": str(issue.get("html_url") or ""),
            "sender": signal["by"],
            "delivery_id": delivery.delivery_id,
        }
        action = DispatchAction(
            kind="signal_with_start", workflow="BlockedTaskWorkflow", workflow_id=workflow_id,
            arg=arg, signal="blocked", signal_arg=signal,
            memo={"repo": repo, "issue": number},
        )
        return HandlerResult(True, actions=[action])
    if delivery.action == "unlabeled" and is_blocked_label:
        name = "unblocked"
    elif delivery.action == "closed":
        name = "closed"
    else:
        return HandlerResult(False, f"label is not {config.blocked_label}")
    action = DispatchAction(
        kind="signal", workflow="BlockedTaskWorkflow", workflow_id=workflow_id,
        signal=name, signal_arg=signal, optional=True,
    )
    return HandlerResult(True, actions=[action])
