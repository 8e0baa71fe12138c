"""Sending one recorded notification from a workflow: each sink of each receiver is its own
activity (retried with backoff on its own schedule, never holding up the others), then the
outcome is recorded (notify.finish). NotificationWorkflow sends this way, and so does a CI
group that sends its notices itself."""

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
