"""A run begins in its first workflow task: the trigger check, RUNNING, the issue artifact and
the run's config are local activities there, so no activity goes through the task queue and no
second workflow task comes before the run's row says RUNNING."""

from __future__ import annotations

import json
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType

from tests.support.ai_run import RunStack, artifacts
from tests.support.record_histories import RecordHistory

pytestmark = pytest.mark.usefixtures("run_stack_settings")

FIRST_STEPS = ["trigger.check_permission", "run.set_status", "run.record_artifact", "run.config"]


def first_task(events: list[Any]) -> list[Any]:
    """The events the first workflow task's completion recorded (up to the next task)."""
    done = next(
        i
        for i, e in enumerate(events)
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    )
    after = events[done + 1 :]
    end = next(
        (
            i
            for i, e in enumerate(after)
            if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED
        ),
        len(after),
    )
    return after[:end]


def local_activities(events: list[Any]) -> list[str]:
    """The activity type of each local activity marker, in order."""
    found = []
    for event in events:
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            marker = event.marker_recorded_event_attributes
            if marker.marker_name == "core_local_activity":
                data = json.loads(marker.details["data"].payloads[0].data)
                found.append(data["activity_type"])
    return found


async def test_trigger_check_and_running_happen_in_the_first_workflow_task(
    run_stack: RunStack, record_history: RecordHistory
) -> None:
    _, run_id = await run_stack.label()
    await run_stack.send_ci(run_id, "success")
    run = await run_stack.wait(run_id, status={"SUCCEEDED", "FAILED"})
    assert run.status == "SUCCEEDED", run.error
    assert run.started_at is not None and "issue" in await artifacts(run_stack.sessions, run_id)

    handle = run_stack.client.get_workflow_handle(run.workflow_id)
    events = [e async for e in handle.fetch_history_events()]
    first = first_task(events)
    assert local_activities(first)[:4] == FIRST_STEPS
    # The new path is marked (older runs replay the old one); nothing of the first steps went
    # through the task queue.
    markers = [e.marker_recorded_event_attributes.marker_name for e in first]
    assert "core_patch" in markers
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert scheduled[0] not in FIRST_STEPS, scheduled
    assert "trigger.check_permission" not in scheduled and "run.config" not in scheduled
    await record_history("run/started_in_first_task", run.workflow_id, closed=True)
