"""Route CI and repository events to notification workflows. Pure: no I/O.

ci_failure / ci_success go to their group's NotificationGroupWorkflow (signal-with-start: noise
control); other notifications start a NotificationWorkflow named after the delivery. A blocked
task is announced by BlockedTaskWorkflow with its escalation, so here it is only listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contract.actions import DispatchAction, as_arg
from contract.inputs import GroupEvent, GroupInput, NotificationInput
from contract.names import Signal, Workflow
from routing.ci_trust import FROM_A_FORK, from_fork
from routing.decision import Delivery, HandlerResult, RoutingConfig
from routing.notifications import Notification, classify_with
from routing.workflow_ids import group_workflow_id, notification_key, notification_workflow_id

GROUPED_TYPES = frozenset({"ci_failure", "ci_success"})
# Sent by BlockedTaskWorkflow with its escalation; starting one here would send twice.
SENT_ELSEWHERE = frozenset({"task_blocked"})


def notification_memo(notification: Mapping[str, Any]) -> dict[str, Any]:
    """The memo every NotificationWorkflow carries, however started (Web UI, no history)."""
    return {key: notification.get(key) for key in ("repo", "type", "priority")}


__all__ = [
    "group_workflow_id",
    "notification_memo",
    "notification_workflow_id",
    "route_notifications",
]


def _group_action(n: Notification, delivery_id: str, index: int) -> DispatchAction:
    workflow = n.workflow or "workflow"
    branch = n.branch or ""
    return DispatchAction(
        kind="signal_with_start",
        workflow=Workflow.NOTIFICATION_GROUP,
        workflow_id=group_workflow_id(n.event, n.repo, workflow, branch),
        arg=as_arg(
            GroupInput(
                group_key=n.group_key, kind=n.event, repo=n.repo, workflow=workflow, branch=branch
            )
        ),
        signal=Signal.GROUP_EVENT,
        signal_arg=as_arg(
            GroupEvent(
                key=notification_key(delivery_id, index),
                notification=n.to_dict(),
                delivery_id=delivery_id,
            )
        ),
        memo={"repo": n.repo, "group": n.group_key},
    )


def _start_action(n: Notification, delivery_id: str, index: int) -> DispatchAction:
    notification = n.to_dict()
    return DispatchAction(
        kind="start",
        workflow=Workflow.NOTIFICATION,
        workflow_id=notification_workflow_id(delivery_id, index),
        arg=as_arg(NotificationInput(notification, delivery_id=delivery_id, count=1)),
        memo=notification_memo(notification),
    )


def route_notifications(
    delivery: Delivery, config: RoutingConfig, dedupe_key: str
) -> HandlerResult:
    if delivery.event == "workflow_run" and from_fork(
        delivery.repo, delivery.payload.get("workflow_run")
    ):
        # A fork names its branches as it likes (`main`): its CI is not this repository's.
        return HandlerResult(False, FROM_A_FORK)
    try:
        result = classify_with(config, delivery.event, delivery.payload, repo=delivery.repo)
    except ValueError as exc:  # a bad PRIORITY_MAP: say so instead of failing the delivery
        return HandlerResult(False, f"notification settings invalid: {exc}")
    if result.ignored:
        return HandlerResult(False, result.reason)
    actions: list[DispatchAction] = []
    for index, n in enumerate(result.notifications):
        if n.type in SENT_ELSEWHERE:
            continue
        if n.type in GROUPED_TYPES:
            actions.append(_group_action(n, delivery.short_id, index))
        else:
            actions.append(_start_action(n, delivery.short_id, index))
    listed = [{"type": n.type, "priority": n.priority} for n in result.notifications]
    return HandlerResult(True, actions=actions, response={"notifications": listed})
