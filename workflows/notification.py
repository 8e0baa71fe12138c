"""NotificationWorkflow: deliver one notification to the receivers it reaches, durably.

Start it with a `NotificationInput` (as a child workflow or from routing); its workflow id is
the business key (`routing.workflow_ids.notification_workflow_id`), so a redelivery or a
replayed dispatch never sends twice. Where it goes is decided once (`notify.decide`, by its CI
group or here) and recorded per receiver: sent, silenced, muted or held. Sinks are independent
activities with their own retries and backoff.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from workflows.activity_options import DB_ACTIVITY

with workflow.unsafe.imports_passed_through():
    from activities.notify import FinishInput, NotifyActivities, RecordInput, SinkInput, SinkResult
    from activities.notify_routes import DecideInput, NotifyRouteActivities, RecordPlanInput
    from contract.inputs import NotificationInput as NotificationInput
    from contract.names import Query, Workflow
    from contract.notify_plan import NotifyPlan, ReceiverPlan
    from contract.statuses import NotificationStatus
    from workflows import search_attributes as sa

# Workflows started before this decide nothing and send to the environment's sinks.
PATCH_RECEIVERS = "notification-receivers"

# A sink that is down is retried with backoff for up to a day; the others are not held up.
SINK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
)
SINK_TIMEOUTS: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "schedule_to_close_timeout": timedelta(hours=24),
}
_SINK_ACTIVITIES = {
    "logfile": NotifyActivities.logfile,
    "aimaestro": NotifyActivities.aimaestro,
    "chat": NotifyActivities.chat,
}


@dataclass
class NotificationResult:
    key: str
    # sink -> sent | failed (a sink several receivers use: failed when one of them failed)
    sinks: dict[str, str] = field(default_factory=dict)
    receivers: dict[str, str] = field(default_factory=dict)  # receiver -> NotificationStatus


def _drops(r: ReceiverPlan) -> bool:
    """A receiver without integrations takes a notification to drop it: done at once."""
    return r.status == NotificationStatus.PENDING and not r.sinks


def _outcome(receivers: dict[str, str]) -> str:
    """The search attribute's status: FAILED, SENT, or why nothing was sent (SILENCED …)."""
    states = set(receivers.values())
    for status in (NotificationStatus.FAILED, NotificationStatus.SENT):
        if status in states:
            return status.upper()
    return next(iter(receivers.values()), "NONE").upper()


@workflow.defn(name=Workflow.NOTIFICATION)
class NotificationWorkflow:
    def __init__(self) -> None:
        self._sinks: dict[str, str] = {}

    @workflow.run
    async def run(self, input: NotificationInput) -> NotificationResult:
        if workflow.patched(PATCH_RECEIVERS):
            return await self._run_receivers(input)
        info = workflow.info()
        key = info.workflow_id
        n = dict(input.notification)
        if input.count > 1:
            n["count"] = input.count
        repo = n.get("repo")
        attrs = [sa.KIND.value_set("notification"), sa.STATUS.value_set("SENDING")]
        if isinstance(repo, str) and repo:
            attrs.append(sa.REPO.value_set(repo))
        workflow.upsert_search_attributes(attrs)
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
            *(self._deliver(s, SinkInput(s, key, n, input.delivery_id, occurred)) for s in sinks)
        )
        await workflow.execute_local_activity_method(
            NotifyActivities.finish, FinishInput(key, list(results)), **DB_ACTIVITY
        )
        failed = [r.sink for r in results if r.status != "sent"]
        workflow.upsert_search_attributes([sa.STATUS.value_set("FAILED" if failed else "SENT")])
        return NotificationResult(key, {r.sink: r.status for r in results})

    async def _run_receivers(self, input: NotificationInput) -> NotificationResult:
        key = workflow.info().workflow_id
        n = dict(input.notification)
        if input.count > 1:
            n["count"] = input.count
        repo = n.get("repo")
        attrs = [sa.KIND.value_set("notification"), sa.STATUS.value_set("SENDING")]
        if isinstance(repo, str) and repo:
            attrs.append(sa.REPO.value_set(repo))
        workflow.upsert_search_attributes(attrs)
        plan: NotifyPlan
        if input.plan is not None:
            plan = input.plan
        else:
            plan = await workflow.execute_local_activity_method(
                NotifyRouteActivities.decide,
                DecideInput(notification=n, now=workflow.now().isoformat()),
                **DB_ACTIVITY,
            )
        await workflow.execute_local_activity_method(
            NotifyRouteActivities.record_plan,
            RecordPlanInput(key, key, n, plan.receivers, input.delivery_id, input.count),
            **DB_ACTIVITY,
        )
        receivers = {
            r.receiver: str(NotificationStatus.SENT if _drops(r) else r.status)
            for r in plan.receivers
        }
        sending = [r for r in plan.receivers if r.status == NotificationStatus.PENDING]
        self._sinks = {f"{r.receiver}/{s}": "sending" for r in sending for s in r.sinks}
        occurred = workflow.now().isoformat()
        results = await asyncio.gather(
            *(
                self._deliver(
                    s, SinkInput(s, key, n, input.delivery_id, occurred, receiver=r.receiver)
                )
                for r in sending
                for s in r.sinks
            )
        )
        if results:
            await workflow.execute_local_activity_method(
                NotifyActivities.finish, FinishInput(key, list(results)), **DB_ACTIVITY
            )
        sinks: dict[str, str] = {}
        for result in results:
            failed = result.status != "sent" or sinks.get(result.sink) == "failed"
            sinks[result.sink] = "failed" if failed else "sent"
            if result.status != "sent":
                receivers[result.receiver] = NotificationStatus.FAILED
            elif receivers[result.receiver] != NotificationStatus.FAILED:
                receivers[result.receiver] = NotificationStatus.SENT
        workflow.upsert_search_attributes([sa.STATUS.value_set(_outcome(receivers))])
        return NotificationResult(key, sinks, receivers)

    async def _deliver(self, sink: str, input: SinkInput) -> SinkResult:
        method = _SINK_ACTIVITIES.get(sink)
        if method is None:
            return SinkResult(sink, "failed", 0, error=f"unknown sink {sink!r}")
        try:
            result: SinkResult = await workflow.execute_activity_method(
                method,
                input,
                retry_policy=SINK_RETRY,
                **SINK_TIMEOUTS,
            )
        except ActivityError as exc:
            # Gave up (non-retryable or out of time); the other sinks carry on regardless.
            cause = exc.cause or exc
            result = SinkResult(
                sink, "failed", None, error=str(cause)[:500], receiver=input.receiver
            )
        self._sinks[f"{input.receiver}/{sink}" if input.receiver else sink] = result.status
        return result

    @workflow.query(name=Query.SINKS)
    def sinks(self) -> dict[str, str]:
        return dict(self._sinks)
