"""The RECOVER_INTERVAL Temporal Schedule: made or updated at worker start, removed when unset."""

from __future__ import annotations

import logging

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError, RPCStatusCode

from activities.recover import RecoverInput
from settings import Settings
from workflows.recover import RecoverWorkflow

log = logging.getLogger("hookflow.recover")


def recover_schedule_id(settings: Settings) -> str:
    return f"recover-{settings.temporal_task_queue}"


def recover_schedule(settings: Settings) -> Schedule:
    """The schedule of RECOVER_INTERVAL (which must be set)."""
    durations = settings.durations
    if durations.recover_interval is None:
        raise ValueError("RECOVER_INTERVAL is empty: there is no recovery schedule")
    window = durations.recover_window.total_seconds()
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RecoverWorkflow.run,
            RecoverInput(window_seconds=window),
            id=f"{recover_schedule_id(settings)}-pass",
            task_queue=settings.temporal_task_queue,
        ),
        spec=ScheduleSpec(intervals=[
            ScheduleIntervalSpec(every=durations.recover_interval),
        ]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_recover_schedule(client: Client, settings: Settings) -> str | None:
    """Create or update the schedule when RECOVER_INTERVAL is set, else delete it; its id."""
    schedule_id = recover_schedule_id(settings)
    if not settings.recover_interval.strip():
        try:
            await client.get_schedule_handle(schedule_id).delete()
            log.info("recover schedule %s removed (RECOVER_INTERVAL unset)", schedule_id)
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
        return None
    schedule = recover_schedule(settings)
    try:
        await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:

        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(replace)
    log.info("recover schedule %s: every %s, window %s", schedule_id,
             settings.recover_interval, settings.recover_window)
    return schedule_id
