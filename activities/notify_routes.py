"""Notification routing activities: decide where a notification goes (the config in force and
the active silences: notify.decide, called from here only), record it once per receiver, and
keep silences informed of the CI groups they quiet. `notify.prepare` does the first two in one
step and says which receivers are still to be sent to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity

from activities.notification_row import Recorded, notification_row
from contract.notify_plan import NotifyPlan, ReceiverPlan, hold_muted
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
class PrepareInput:
    key: str  # the notification's dedupe key: its rows, and whether it was sent already
    workflow_id: str  # the workflow that sends it
    notification: dict[str, Any]
    now: str  # ISO: the workflow's time
    delivery_id: str | None = None
    count: int = 1
    plan: NotifyPlan | None = None  # decided already (by the CI group that started it)
    # A red CI group asking: silences keeping it quiet remember it, and a muted receiver is
    # held for the group's summary.
    group_workflow_id: str | None = None
    only: list[str] | None = None  # just these receivers (None: every one it reaches)


@dataclass
class Prepared:
    plan: NotifyPlan  # the receivers (of `only`) and what became of it at each, as recorded
    # Receivers to send to now, with their sinks: pending and never tried. A receiver whose
    # row was tried already (an earlier run sent it) is not sent to again.
    send: list[ReceiverPlan] = field(default_factory=list)


@dataclass
class ResolveInput:
    workflow_id: str  # the group that turned green
    silence_ids: list[str] = field(default_factory=list)
    now: str = ""


class NotifyRouteActivities:
    def __init__(self, sessions: SessionFactory, live: LiveConfig) -> None:
        self._sessions = sessions
        self._live = live

    async def _decide(
        self, session: AsyncSession, n: dict[str, Any], now: datetime, group: str | None
    ) -> NotifyPlan:
        plan = decide(
            self._live.current(), labels_of(n), silences=await active_views(session, now), now=now
        )
        if group:
            for silence_id in {r.silence_id for r in plan.receivers if r.silence_id}:
                await note_groups(session, silence_id, [group])
        return plan

    @activity.defn(name="notify.decide")
    async def decide(self, input: DecideInput) -> NotifyPlan:
        """The receivers of a notification and what becomes of it at each."""
        async with self._sessions() as session:
            return await self._decide(
                session,
                input.notification,
                datetime.fromisoformat(input.now),
                input.group_workflow_id,
            )

    @activity.defn(name="notify.record_plan")
    async def record_plan(self, input: RecordPlanInput) -> None:
        """One row per receiver, once per key: pending for those it is sent to, silenced /
        muted / held (with the silence or interval) for the others."""
        async with self._sessions() as session:
            await _record(session, input, input.receivers)

    @activity.defn(name="notify.prepare")
    async def prepare(self, input: PrepareInput) -> Prepared:
        """Decide (unless decided already), record once per receiver, and say whom to send
        to: in one step, so a notification needs one local activity before its sends."""
        async with self._sessions() as session:
            plan = input.plan or await self._decide(
                session,
                input.notification,
                datetime.fromisoformat(input.now),
                input.group_workflow_id,
            )
            only = input.only
            receivers = [r for r in plan.receivers if only is None or r.receiver in only]
            if input.group_workflow_id:
                receivers = [hold_muted(r) for r in receivers]
            rows = await _record(session, input, receivers)
        send = []
        for r in receivers:
            row = rows.get(r.receiver[:100])
            if row is not None and _untried(row):
                # The row's sinks (recorded first), in the plan's order.
                order = {sink: i for i, sink in enumerate(r.sinks)}
                sinks = sorted(row.sink_status, key=lambda sink: order.get(sink, len(order)))
                send.append(replace(r, sinks=sinks))
        return Prepared(NotifyPlan(receivers, plan.timing, plan.config), send)

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


def _untried(row: Notification) -> bool:
    """A row still to be sent: pending, and none of its sinks tried yet."""
    return (
        row.status == NotificationStatus.PENDING
        and bool(row.sink_status)
        and all(v.get("attempts") == 0 for v in row.sink_status.values())
    )


async def _record(
    session: AsyncSession, input: Recorded, receivers: Sequence[ReceiverPlan]
) -> dict[str, Notification]:
    """The rows of the notification by receiver: those recorded before as they are, the others
    added (pending for those it is sent to, silenced / muted / held with the silence or interval
    for the others)."""
    query = select(Notification).where(Notification.dedupe_key == input.key[:300])
    rows = {row.receiver: row for row in (await session.exec(query)).all()}
    added = []
    for plan in receivers:
        name = plan.receiver[:100]
        if name in rows:
            continue
        # A receiver without integrations takes notifications to drop them.
        status = (
            NotificationStatus.SENT
            if plan.status == NotificationStatus.PENDING and not plan.sinks
            else plan.status
        )
        rows[name] = notification_row(
            input,
            receiver=name,
            status=status,
            sinks=plan.sinks if status == NotificationStatus.PENDING else (),
            silence_id=plan.silence_id,
            time_interval=(plan.interval or "")[:200] or None,
        )
        session.add(rows[name])
        added.append((name, status))
    await session.commit()
    for receiver, status in added:
        if status != NotificationStatus.PENDING:
            receiver_metric(receiver, status)
    return rows
