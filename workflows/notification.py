"""NotificationWorkflow: deliver one notification to every configured sink, durably.

Start it with a `NotificationInput` (as a child workflow or from routing); its workflow id is
the business key (`routing.workflow_ids.notification_workflow_id`), so a redelivery or a
replayed dispatch never sends twice. Sinks are independent activities with their own retries
and backoff.
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
    from contract.inputs import NotificationInput as NotificationInput
    from contract.names import Query, Workflow
    from workflows import search_attributes as sa

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
    sinks: dict[str, str] = field(default_factory=dict)  # sink -> sent | failed


@workflow.defn(name=Workflow.NOTIFICATION)
class NotificationWorkflow:
    def __init__(self) -> None:
        self._sinks: dict[str, str] = {}

    @workflow.run
    async def run(self, input: NotificationInput) -> NotificationResult:
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
            result = SinkResult(sink, "failed", None, error=str(cause)[:500])
        self._sinks[sink] = result.status
        return result

    @workflow.query(name=Query.SINKS)
    def sinks(self) -> dict[str, str]:
        return dict(self._sinks)
