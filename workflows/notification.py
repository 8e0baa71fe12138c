"""NotificationWorkflow: deliver one notification to the receivers it reaches, durably.

Start it with a `NotificationInput` (as a child workflow or from routing); its workflow id is
the business key (`routing.workflow_ids.notification_workflow_id`), so a redelivery or a
replayed dispatch never sends twice. Where it goes is decided once (by its CI group, or here)
and recorded per receiver (sent, silenced, muted or held) in one local activity
(`notify.prepare`); then each sink is an independent activity with its own retries and backoff
(workflows/notify_send.py).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from temporalio import workflow

from workflows.activity_options import DB_ACTIVITY
from workflows.notify_send import deliver, drops, outcome, send

with workflow.unsafe.imports_passed_through():
    from activities.notify import FinishInput, NotifyActivities, RecordInput, SinkInput, SinkResult
    from activities.notify_routes import (
        DecideInput,
        NotifyRouteActivities,
        PrepareInput,
        RecordPlanInput,
    )
    from contract.inputs import NotificationInput as NotificationInput
    from contract.names import Query, Workflow
    from contract.notify_plan import NotifyPlan, ReceiverPlan
    from contract.statuses import NotificationStatus
    from workflows import search_attributes as sa

# Workflows started before this decide nothing and send to the environment's sinks.
PATCH_RECEIVERS = "notification-receivers"
# Workflows started before this decide and record in two local activities.
PATCH_PREPARE = "notification-prepare"


@dataclass
class NotificationResult:
    key: str
    # sink -> sent | failed (a sink several receivers use: failed when one of them failed)
    sinks: dict[str, str] = field(default_factory=dict)
    receivers: dict[str, str] = field(default_factory=dict)  # receiver -> NotificationStatus


def _outcome(receivers: dict[str, str]) -> str:
    """The search attribute's status: FAILED, SENT, or why nothing was sent (SILENCED …)."""
    states = set(receivers.values())
    for status in (NotificationStatus.FAILED, NotificationStatus.SENT):
        if status in states:
            return status.upper()
    return next(iter(receivers.values()), "NONE").upper()


def _begin(input: NotificationInput) -> dict[str, Any]:
    """The notification as recorded (its count in it), its search attributes set."""
    n = dict(input.notification)
    if input.count > 1:
        n["count"] = input.count
    repo = n.get("repo")
    attrs = [sa.KIND.value_set("notification"), sa.STATUS.value_set("SENDING")]
    if isinstance(repo, str) and repo:
        attrs.append(sa.REPO.value_set(repo))
    workflow.upsert_search_attributes(attrs)
    return n


@workflow.defn(name=Workflow.NOTIFICATION)
class NotificationWorkflow:
    def __init__(self) -> None:
        self._sinks: dict[str, str] = {}

    @workflow.run
    async def run(self, input: NotificationInput) -> NotificationResult:
        if workflow.patched(PATCH_RECEIVERS):
            return await self._run_receivers(input)
        key = workflow.info().workflow_id
        n = _begin(input)
        # Local activities: the bookkeeping runs inside this workflow task, so the sinks are
        # scheduled without another task-queue round trip first.
        sinks: list[str] = await workflow.execute_local_activity_method(
            NotifyActivities.record,
            RecordInput(
                key=key,
                workflow_id=key,
                notification=n,
                delivery_id=input.delivery_id,
                count=input.count,
            ),
            **DB_ACTIVITY,
        )
        self._sinks = {s: "sending" for s in sinks}
        occurred = workflow.now().isoformat()
        results = await asyncio.gather(
            *(
                deliver(s, SinkInput(s, key, n, input.delivery_id, occurred), self._noted)
                for s in sinks
            )
        )
        await workflow.execute_local_activity_method(
            NotifyActivities.finish, FinishInput(key, list(results)), **DB_ACTIVITY
        )
        failed = [r.sink for r in results if r.status != "sent"]
        workflow.upsert_search_attributes([sa.STATUS.value_set("FAILED" if failed else "SENT")])
        return NotificationResult(key, {r.sink: r.status for r in results})

    async def _run_receivers(self, input: NotificationInput) -> NotificationResult:
        key = workflow.info().workflow_id
        n = _begin(input)
        plan, sending = await self._prepare(key, n, input)
        receivers = {
            r.receiver: str(NotificationStatus.SENT if drops(r) else r.status)
            for r in plan.receivers
        }
        self._sinks = {f"{r.receiver}/{s}": "sending" for r in sending for s in r.sinks}
        results = await send(key, n, input.delivery_id, sending, self._noted)
        sinks, receivers = outcome(receivers, results)
        workflow.upsert_search_attributes([sa.STATUS.value_set(_outcome(receivers))])
        return NotificationResult(key, sinks, receivers)

    async def _prepare(
        self, key: str, n: dict[str, Any], input: NotificationInput
    ) -> tuple[NotifyPlan, list[ReceiverPlan]]:
        """Where it goes, recorded: the plan, and the receivers to send it to."""
        now = workflow.now().isoformat()
        if workflow.patched(PATCH_PREPARE):
            prepared = await workflow.execute_local_activity_method(
                NotifyRouteActivities.prepare,
                PrepareInput(key, key, n, now, input.delivery_id, input.count, plan=input.plan),
                **DB_ACTIVITY,
            )
            return prepared.plan, prepared.send
        plan: NotifyPlan
        if input.plan is not None:
            plan = input.plan
        else:
            plan = await workflow.execute_local_activity_method(
                NotifyRouteActivities.decide, DecideInput(notification=n, now=now), **DB_ACTIVITY
            )
        await workflow.execute_local_activity_method(
            NotifyRouteActivities.record_plan,
            RecordPlanInput(key, key, n, plan.receivers, input.delivery_id, input.count),
            **DB_ACTIVITY,
        )
        return plan, [r for r in plan.receivers if r.status == NotificationStatus.PENDING]

    def _noted(self, input: SinkInput, result: SinkResult) -> None:
        self._sinks[f"{input.receiver}/{input.sink}" if input.receiver else input.sink] = (
            result.status
        )

    @workflow.query(name=Query.SINKS)
    def sinks(self) -> dict[str, str]:
        return dict(self._sinks)
