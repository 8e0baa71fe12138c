"""The Temporal Schedule running RetentionWorkflow (RETENTION_SCHEDULE), synced at start-up."""

from __future__ import annotations

import logging

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)

from schedules.sync import schedule_spec, sync_schedule
from settings import Settings
from workflows.retention import RetentionInput, RetentionWorkflow

log = logging.getLogger("hookflow.retention")

SCHEDULE_ID = "hookflow-retention"


__all__ = ["SCHEDULE_ID", "ensure_retention_schedule", "retention_schedule", "schedule_spec"]


def retention_schedule(settings: Settings, spec: ScheduleSpec, task_queue: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RetentionWorkflow.run,
            RetentionInput(),
            id=SCHEDULE_ID,
            task_queue=task_queue,
        ),
        spec=spec,
        # A slow clean-up is never run twice at once; a missed one is not made up in a burst.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_retention_schedule(
    client: Client,
    settings: Settings,
    *,
    schedule_id: str = SCHEDULE_ID,
    task_queue: str | None = None,
) -> bool:
    """Create the schedule, or update it to today's settings; delete it when turned off.

    Returns True when a schedule exists afterwards. Safe to call from every worker start.
    """
    spec = schedule_spec(settings.retention_schedule)
    schedule = (
        None
        if spec is None
        else retention_schedule(settings, spec, task_queue or settings.temporal_task_queue)
    )
    outcome = await sync_schedule(client, schedule_id, schedule)
    log.info(
        "retention schedule %s %s (RETENTION_SCHEDULE=%s)",
        schedule_id,
        outcome,
        settings.retention_schedule,
    )
    return schedule is not None
