"""Notification routing activities: decide where a notification goes (the config in force and
the active silences: notify.decide, called from here only), record it once per receiver, and
keep silences informed of the CI groups they quiet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import select
from temporalio import activity

from activities.notification_row import notification_row
from contract.notify_plan import NotifyPlan, ReceiverPlan
from contract.statuses import NotificationStatus
from db.engine import SessionFactory
from db.models import Notification
from db.silences import active_views, note_groups, resolve_group
from notify.decide import decide
from notify.live import LiveConfig
from notify.matchers import labels_of
from ops.worker_metrics import receiver_notification as receiver_metric


@dataclass
class DecideInput:
    notification: dict[str, Any]
    now: str  # ISO: the workflow's time (silences and time intervals are read at it)
    # A red CI group asking: a silence that keeps it quiet remembers the group, to tell it
    # when the silence is expired early.
    group_workflow_id: str | None = None


@dataclass
class RecordPlanInput:
    key: str  # the notification's dedupe key (its workflow id)
    workflow_id: str
    notification: dict[str, Any]
    receivers: list[ReceiverPlan]
    delivery_id: str | None = None
    count: int = 1


@dataclass
class ResolveInput:
    workflow_id: str  # the group that turned green
    silence_ids: list[str] = field(default_factory=list)
    now: str = ""


class NotifyRouteActivities:
    def __init__(self, sessions: SessionFactory, live: LiveConfig) -> None:
        self._sessions = sessions
        self._live = live

    @activity.defn(name="notify.decide")
    async def decide(self, input: DecideInput) -> NotifyPlan:
        """The receivers of a notification and what becomes of it at each."""
        now = datetime.fromisoformat(input.now)
        async with self._sessions() as session:
            silences = await active_views(session, now)
        plan = decide(
            self._live.current(), labels_of(input.notification), silences=silences, now=now
        )
        if input.group_workflow_id:
            for silence_id in {r.silence_id for r in plan.receivers if r.silence_id}:
                async with self._sessions() as session:
                    await note_groups(session, silence_id, [input.group_workflow_id])
        return plan

    @activity.defn(name="notify.record_plan")
    async def record_plan(self, input: RecordPlanInput) -> None:
        """One row per receiver, once per key: pending for those it is sent to, silenced /
        muted / held (with the silence or interval) for the others."""
        async with self._sessions() as session:
            query = select(Notification.receiver).where(Notification.dedupe_key == input.key)
            existing = set((await session.exec(query)).all())
            added = []
            for plan in input.receivers:
                if plan.receiver in existing:
                    continue
                # A receiver without integrations takes notifications to drop them.
                status = (
                    NotificationStatus.SENT
                    if plan.status == NotificationStatus.PENDING and not plan.sinks
                    else plan.status
                )
                session.add(
                    notification_row(
                        input,
                        receiver=plan.receiver[:100],
                        status=status,
                        sinks=plan.sinks if status == NotificationStatus.PENDING else (),
                        silence_id=plan.silence_id,
                        time_interval=(plan.interval or "")[:200] or None,
                    )
                )
                added.append((plan.receiver, status))
            await session.commit()
        for receiver, status in added:
            if status != NotificationStatus.PENDING:
                receiver_metric(receiver, status)

    @activity.defn(name="notify.resolve_silences")
    async def resolve_silences(self, input: ResolveInput) -> list[str]:
        """A CI group turned green: end the `endsWhenResolved` silences it was the last red
        group of. Returns their ids."""
        if not input.silence_ids:
            return []
        async with self._sessions() as session:
            ended = await resolve_group(
                session, input.workflow_id, input.silence_ids, datetime.fromisoformat(input.now)
            )
        for silence_id in ended:
            activity.logger.info("silence %s ended: %s resolved", silence_id, input.workflow_id)
        return ended
