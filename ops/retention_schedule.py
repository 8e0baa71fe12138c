"""The Temporal Schedule running RetentionWorkflow (RETENTION_SCHEDULE), synced at start-up."""

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

from settings import Settings, parse_duration
from workflows.retention import RetentionInput, RetentionWorkflow

log = logging.getLogger("hookflow.retention")

SCHEDULE_ID = "hookflow-retention"


def schedule_spec(text: str) -> ScheduleSpec | None:
    """`1d` → every day; five or six fields → cron; `off` → no schedule."""
    text = text.strip()
    if text.lower() in ("", "off"):
        return None
    if len(text.split()) in (5, 6):
        return ScheduleSpec(cron_expressions=[text])
    return ScheduleSpec(intervals=[ScheduleIntervalSpec(every=parse_duration(text))])


def retention_schedule(settings: Settings, spec: ScheduleSpec, task_queue: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RetentionWorkflow.run, RetentionInput(), id=SCHEDULE_ID, task_queue=task_queue,
        ),
        spec=spec,
        # A slow clean-up is never run twice at once; a missed one is not made up in a burst.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_retention_schedule(
    client: Client, settings: Settings, *, schedule_id: str = SCHEDULE_ID,
    task_queue: str | None = None,
) -> bool:
    """Create the schedule, or update it to today's settings; delete it when turned off.

    Returns True when a schedule exists afterwards. Safe to call from every worker start.
    """
    spec = schedule_spec(settings.retention_schedule)
    handle = client.get_schedule_handle(schedule_id)
    if spec is None:
        try:
            await handle.delete()
            log.info("retention schedule %s deleted (RETENTION_SCHEDULE=off)", schedule_id)
        except Exception:  # noqa: BLE001 - absent already is the wanted state
            pass
        return False
    schedule = retention_schedule(settings, spec, task_queue or settings.temporal_task_queue)
    try:
        await client.create_schedule(schedule_id, schedule)
        log.info("retention schedule %s created (%s)", schedule_id, settings.retention_schedule)
    except ScheduleAlreadyRunningError:

        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await handle.update(replace)
        log.info("retention schedule %s updated (%s)", schedule_id, settings.retention_schedule)
    return True
