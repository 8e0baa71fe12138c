"""The RECOVER_INTERVAL Temporal Schedule: made or updated at worker start, removed when unset."""

from __future__ import annotations

import logging

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)

from activities.recover import RecoverInput
from schedules.sync import sync_schedule
from settings import Settings, format_duration
from workflows.recover import RecoverWorkflow

log = logging.getLogger("hookflow.recover")


def recover_schedule_id(settings: Settings) -> str:
    return f"recover-{settings.temporal_task_queue}"


def recover_schedule(settings: Settings) -> Schedule:
    """The schedule of RECOVER_INTERVAL (which must be set)."""
    interval = settings.recover_interval
    if interval is None:
        raise ValueError("RECOVER_INTERVAL is empty: there is no recovery schedule")
    window = settings.recover_window.total_seconds()
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RecoverWorkflow.run,
            RecoverInput(window_seconds=window),
            id=f"{recover_schedule_id(settings)}-pass",
            task_queue=settings.temporal_task_queue,
        ),
        spec=ScheduleSpec(
            intervals=[
                ScheduleIntervalSpec(every=interval),
            ]
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_recover_schedule(client: Client, settings: Settings) -> str | None:
    """Create or update the schedule when RECOVER_INTERVAL is set, else delete it; its id."""
    schedule_id = recover_schedule_id(settings)
    interval = settings.recover_interval
    enabled = interval is not None
    outcome = await sync_schedule(
        client, schedule_id, recover_schedule(settings) if enabled else None
    )
    log.info(
        "recover schedule %s %s (RECOVER_INTERVAL=%s, window %s)",
        schedule_id,
        outcome,
        "unset" if interval is None else format_duration(interval),
        format_duration(settings.recover_window),
    )
    return schedule_id if enabled else None
