"""Temporal Schedules hookflow keeps in step with its settings at every worker start."""

from __future__ import annotations

from temporalio.client import (
    Client,
    Schedule,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError, RPCStatusCode

from settings import parse_duration


def schedule_spec(text: str) -> ScheduleSpec | None:
    """`1d` → every day; five or six fields → cron; empty or `off` → no schedule."""
    text = text.strip()
    if text.lower() in ("", "off"):
        return None
    if len(text.split()) in (5, 6):
        return ScheduleSpec(cron_expressions=[text])
    return ScheduleSpec(intervals=[ScheduleIntervalSpec(every=parse_duration(text))])


async def sync_schedule(client: Client, schedule_id: str, schedule: Schedule | None) -> str:
    """Create the schedule or replace it with today's; delete it when `schedule` is None.

    Returns what happened: "created", "updated", "deleted" or "absent". Safe to call from every
    worker start (and from several workers at once)."""
    handle = client.get_schedule_handle(schedule_id)
    if schedule is None:
        try:
            await handle.delete()
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            return "absent"
        return "deleted"
    try:
        await client.create_schedule(schedule_id, schedule)
        return "created"
    except ScheduleAlreadyRunningError:

        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await handle.update(replace)
        return "updated"
