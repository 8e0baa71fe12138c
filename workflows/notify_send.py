"""Sending one recorded notification from a workflow: each sink of each receiver is its own
activity (retried with backoff on its own schedule, never holding up the others), then the
outcome is recorded (notify.finish). NotificationWorkflow sends this way; a CI group and a
blocked task record and send their notices themselves, in the background (BackgroundSends)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from workflows.activity_options import DB_ACTIVITY

with workflow.unsafe.imports_passed_through():
    from activities.notify import FinishInput, NotifyActivities, SinkInput, SinkResult
    from activities.notify_routes import NotifyRouteActivities, Prepared, PrepareInput
    from contract.inputs import NotificationInput
    from contract.notify_plan import ReceiverPlan
    from contract.statuses import NotificationStatus

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

# Told of each sink's result as it comes (NotificationWorkflow's `sinks` query).
OnResult = Callable[[SinkInput, SinkResult], None]


async def deliver(sink: str, input: SinkInput, on_result: OnResult | None = None) -> SinkResult:
    """One sink's activity; its failure (after the retries) is a result, not an error."""
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
        result = SinkResult(sink, "failed", None, error=str(cause)[:500], receiver=input.receiver)
    if on_result is not None:
        on_result(input, result)
    return result


async def send(
    key: str,
    n: dict[str, Any],
    delivery_id: str | None,
    receivers: Sequence[ReceiverPlan],
    on_result: OnResult | None = None,
) -> list[SinkResult]:
    """Send the recorded notification `key` to each sink of `receivers` at once, then record
    how each went."""
    occurred = workflow.now().isoformat()
    results = await asyncio.gather(
        *(
            deliver(s, SinkInput(s, key, n, delivery_id, occurred, receiver=r.receiver), on_result)
            for r in receivers
            for s in r.sinks
        )
    )
    if results:
        await workflow.execute_local_activity_method(
            NotifyActivities.finish, FinishInput(key, list(results)), **DB_ACTIVITY
        )
    return list(results)


def drops(r: ReceiverPlan) -> bool:
    """A receiver without integrations takes a notification to drop it: done at once."""
    return r.status == NotificationStatus.PENDING and not r.sinks


def outcome(
    receivers: dict[str, str], results: Sequence[SinkResult]
) -> tuple[dict[str, str], dict[str, str]]:
    """(sink → sent | failed, receiver → status) once the sends are done: a sink several
    receivers use failed when one of them failed; a receiver failed when one of its sinks did."""
    receivers = dict(receivers)
    sinks: dict[str, str] = {}
    for result in results:
        failed = result.status != "sent" or sinks.get(result.sink) == "failed"
        sinks[result.sink] = "failed" if failed else "sent"
        if result.status != "sent":
            receivers[result.receiver] = NotificationStatus.FAILED
        elif receivers[result.receiver] != NotificationStatus.FAILED:
            receivers[result.receiver] = NotificationStatus.SENT
    return sinks, receivers


class BackgroundSends:
    """The notifications a workflow records and sends itself, without a child workflow per
    notification: one local activity decides where each goes and records it (`notify.prepare`,
    named in the history by the notification's key: a key recorded and tried before is not sent
    again), then its sends run in the background, so nothing the workflow waits on next (a
    timer, an event) is held up by a sink. Drained before the workflow continues as new or
    ends: those would drop the sends under way."""

    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[list[SinkResult]]] = []

    async def notify(
        self,
        key: str,
        notice: NotificationInput,
        *,
        group_workflow_id: str | None = None,
        only: list[str] | None = None,
    ) -> Prepared:
        """Decide and record the notification `key` (what a NotificationWorkflow would have
        been given), then send it in the background."""
        n, delivery_id = notice.notification, notice.delivery_id
        prepared: Prepared = await workflow.execute_local_activity_method(
            NotifyRouteActivities.prepare,
            PrepareInput(
                key,
                workflow.info().workflow_id,
                n,
                workflow.now().isoformat(),
                delivery_id,
                notice.count,
                group_workflow_id=group_workflow_id,
                only=only,
            ),
            activity_id=key,  # the notification's key names it in the history
            **DB_ACTIVITY,
        )
        if prepared.send:
            self._tasks = [t for t in self._tasks if not t.done()]
            self._tasks.append(asyncio.create_task(send(key, n, delivery_id, prepared.send)))
        return prepared

    def sending(self) -> int:
        """Notifications whose sends are still under way."""
        return sum(not t.done() for t in self._tasks)

    async def drained(self, woken: Callable[[], bool] = lambda: False) -> bool:
        """Wait until every notification has been sent. False when `woken()` turned true
        meanwhile (the workflow has something to see to first, then asks again)."""
        if not self._tasks:
            return True
        await workflow.wait_condition(lambda: not self.sending() or woken())
        done = [t for t in self._tasks if t.done()]
        self._tasks = [t for t in self._tasks if not t.done()]
        for task in done:
            task.result()  # a send that raised fails this workflow task (retried), not silently
        return not self._tasks and not woken()
