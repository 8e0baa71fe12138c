"""Wait on workflows and their effects instead of sleeping a fixed time: poll a condition, wait
for a workflow to exist or to settle (and move the time-skipping server's clock then), read what
a workflow run did from its history."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType, TimeoutType
from temporalio.api.history.v1 import ActivityTaskStartedEventAttributes
from temporalio.api.testservice.v1 import SleepRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode


async def eventually(check: Callable[[], Any], within: float = 30, what: str = "") -> Any:
    """Return the first truthy value of `check()` (sync or async), or fail after `within` s."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.1)


async def started(client: Client, workflow_id: str, within: float = 30) -> WorkflowHandle[Any, Any]:
    """The handle of `workflow_id` once it exists (the dispatcher may start it after the
    webhook reply)."""
    handle: WorkflowHandle[Any, Any] = client.get_workflow_handle(workflow_id)

    async def exists() -> bool:
        try:
            await handle.describe()
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            return False
        return True

    await eventually(exists, within, what=f"workflow {workflow_id} to start")
    return handle


_TASK_IN_FLIGHT = (
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
)


async def settled(client: Client, workflow_id: str, within: float = 30) -> None:
    """Wait until `workflow_id` has no activity or child running and no workflow task pending or
    in flight (on the time-skipping test server: until its clock may move)."""

    async def check() -> bool:
        handle = client.get_workflow_handle(workflow_id)
        raw = (await handle.describe()).raw_description
        if raw.pending_activities or raw.pending_children or raw.HasField("pending_workflow_task"):
            return False
        # The time-skipping test server's describe leaves out the workflow task in flight: while
        # one runs, its history ends in the task's scheduled or started event (and the commands
        # it will complete with, activities among them, are not pending yet).
        last = None
        async for event in handle.fetch_history_events():
            last = event.event_type
        return last not in _TASK_IN_FLIGHT

    await eventually(check, within, f"{workflow_id} settled")


async def skip_time(client: Client, workflow_id: str, by: timedelta) -> None:
    """Move the time-skipping test server's clock by `by` once `workflow_id` has settled.

    The server holds its clock while any task runs, and the call returns only once it has moved
    it: it gets a deadline of its own, the client's default (30 s) is too short for a busy
    machine."""
    await settled(client, workflow_id)
    request = SleepRequest()
    request.duration.FromTimedelta(by)
    await client.test_service.unlock_time_skipping_with_sleep(request, timeout=timedelta(minutes=2))


async def runs_listed(client: Client, workflow_id: str, within: float = 15) -> int:
    """How many runs visibility lists under `workflow_id`, once it lists any: the id is known to
    exist, and visibility lags a start by a moment."""

    async def counted() -> int:
        return (await client.count_workflows(f"WorkflowId = '{workflow_id}'")).count

    count: int = await eventually(counted, within, what=f"workflow {workflow_id} in visibility")
    return count


async def workflow_result(client: Client, workflow_id: str, within: float = 30) -> Any:
    """The result of `workflow_id`'s latest run, once it has started and finished."""
    handle = await started(client, workflow_id, within)
    return await asyncio.wait_for(handle.result(), within)


async def children_started(handle: WorkflowHandle[Any, Any]) -> list[str]:
    """Ids of the child workflows the run started (a start the server refused is not one)."""
    return [
        e.child_workflow_execution_started_event_attributes.workflow_execution.workflow_id
        async for e in handle.fetch_history_events()
        if e.event_type == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED
    ]


async def signals_received(handle: WorkflowHandle[Any, Any], name: str) -> int:
    """How many `name` signals the run has received (including signal-with-start's)."""
    return len(
        [
            e
            async for e in handle.fetch_history_events()
            if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
            and e.workflow_execution_signaled_event_attributes.signal_name == name
        ]
    )


async def activity_starts(
    handle: WorkflowHandle[Any, Any],
) -> list[tuple[str, ActivityTaskStartedEventAttributes]]:
    """(activity type, start) of each activity of the run that ended. A retried activity stays
    one activity: the server writes its start once it ends, with the attempt that ended it and
    the failure of the attempt before."""
    types: dict[int, str] = {}
    starts: list[tuple[str, ActivityTaskStartedEventAttributes]] = []
    async for e in handle.fetch_history_events():
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            types[e.event_id] = e.activity_task_scheduled_event_attributes.activity_type.name
        elif e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            started = e.activity_task_started_event_attributes
            starts.append((types[started.scheduled_event_id], started))
    return starts


async def retried_after_timeout(
    handle: WorkflowHandle[Any, Any], kind: TimeoutType.ValueType
) -> list[str]:
    """Types of the activities the run started again after their attempt before had timed out
    that way (the server writes an attempt's start with the failure of the previous attempt)."""
    return [
        activity_type
        for activity_type, started in await activity_starts(handle)
        if started.last_failure.HasField("timeout_failure_info")
        and started.last_failure.timeout_failure_info.timeout_type == kind
    ]
