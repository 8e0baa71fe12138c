"""The routing half of `hookflow preview`: what the API would answer and start for a payload
(runs, the CI-failure issue, closings, escalations, commands, notifications) and the row of
seed 002's event table it falls under. Pure: the same route() the API stores plans from."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from activities.closing_keywords import may_close, references_in_pull_request
from contract.actions import DispatchAction
from contract.names import Workflow
from routing.decision import Delivery, RouteDecision, RoutingConfig
from routing.notifications import Notification
from routing.router import route
from settings import Settings, format_duration

PREVIEW_KEY = "preview"

# Seed 002, "Event Types and Notifications": (GitHub Event, Trigger Condition) per rule.
SEED_TABLE: Mapping[str, tuple[str, str]] = {
    "workflow_run.success": ("workflow_run (success)", "All workflows pass"),
    "workflow_run.failure": ("workflow_run (failure)", "Any workflow fails"),
    "check_run.failure": ("check_run (failure)", "Individual check fails"),
    "pull_request.opened": ("pull_request (opened)", "New PR created"),
    "pull_request.merged": ("pull_request (closed+merged)", "PR merged to main"),
    "issues.labeled.blocked": ("issues (labeled: blocked)", 'Issue labeled "blocked"'),
    "push": ("push (watched branch)", "Commit to a watched branch"),
}


def decide(event: str, payload: dict[str, Any], config: RoutingConfig) -> RouteDecision:
    delivery = Delivery(event=event, payload=payload, delivery_id=PREVIEW_KEY, hook_id="")
    return route(delivery, config, PREVIEW_KEY)


def seed_row(n: Notification, watched: frozenset[str]) -> str:
    """`GitHub Event | Notification Type | Priority | Trigger Condition`."""
    github_event, condition = SEED_TABLE.get(n.rule, (n.rule, ""))
    if n.rule == "push":
        condition = f"Commit to {'/'.join(sorted(watched))}"
    return f"{github_event} | {n.type} | {n.priority} | {condition}"


def describe(action: DispatchAction, settings: Settings) -> str:
    """One line saying what an action does, in the words of the seeds."""
    arg = action.arg
    signal = action.signal_arg or {}
    workflow = str(action.workflow)
    if workflow == Workflow.RUN:
        return f"AI run of {arg.get('repo')}#{arg.get('issue_number')} (run {arg.get('run_id')})"
    if workflow == Workflow.CI_FAILURE and signal.get("conclusion") == "success":
        return (
            f"CI passed: the CI-failure issue of {arg.get('repo')} ({arg.get('workflow')} on "
            f"{arg.get('branch')}) is closed if one is open"
        )
    if workflow == Workflow.CI_FAILURE:
        return (
            f"CI-failure issue for {arg.get('repo')} ({arg.get('workflow')} on "
            f"{arg.get('branch')}), labelled {settings.ci_failure_label!r}, with the failed logs"
        )
    if workflow == Workflow.PR_MERGED:
        repo = str(arg.get("repo"))
        refs = references_in_pull_request(arg.get("title"), arg.get("body"), repo=repo)
        allowed = settings.allowed_repo_set
        closes = [str(r) for r in refs if may_close(repo, r.repo, allowed)]
        return f"closings of merged PR #{arg.get('pr_number')}: " + (
            ", ".join(closes) or "no issue named"
        )
    if workflow == Workflow.BLOCKED_TASK:
        ladder = ", ".join(format_duration(d) for d in settings.blocked_escalation_delays)
        return (
            f"blocked task {arg.get('repo')}#{arg.get('issue_number')}: task_blocked now, "
            f"escalations after {ladder} until acknowledged or unblocked"
        )
    if workflow == Workflow.COMMAND:
        return (
            f"command /{settings.hookflow_handle} {arg.get('command') or arg.get('word')!s} "
            f"by {arg.get('author')} ({arg.get('verdict')})"
        )
    if workflow in (Workflow.NOTIFICATION, Workflow.NOTIFICATION_GROUP):
        n = arg.get("notification") or signal.get("notification") or {}
        grouped = " (grouped: noise control)" if workflow == Workflow.NOTIFICATION_GROUP else ""
        return f"notification {n.get('type')} (priority {n.get('priority')}){grouped}"
    return workflow


def plan_lines(decision: RouteDecision, settings: Settings) -> list[str]:
    """`Result: …` and, when the delivery starts something, one line per action."""
    if decision.status != "accepted":
        return [f"Result: {decision.status}: {decision.response.get('reason')}"]
    lines = [f"Result: accepted; reply {json.dumps(decision.response, sort_keys=True)}"]
    count = len(decision.actions)
    lines.append(f"Would start {count} workflow{'s' if count != 1 else ''}:")
    for i, action in enumerate(decision.actions, 1):
        signal = f", signal {action.signal}" if action.signal else ""
        lines.append(
            f"  {i}. {action.workflow} {action.workflow_id} ({action.kind}{signal}): "
            f"{describe(action, settings)}"
        )
    return lines
