"""Give a `failed` delivery a fresh dispatch budget (its never-started runs active again), one
or every failed one matching a filter."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contract.actions import DispatchAction
from contract.statuses import DispatchStatus
from db.engine import SessionFactory
from db.models import WebhookEvent
from ops.refused import Refused
from runs.admission import revive_unstarted_runs, unstarted_runs


class RetryRefused(Refused):
    """Why a delivery cannot be retried: `status` is the HTTP answer (404, 409)."""


async def retry_failed(session: AsyncSession, event_id: uuid.UUID) -> WebhookEvent:
    """Make a failed delivery pending again; the dispatcher then runs its remaining plan."""
    row = await session.get(WebhookEvent, event_id)
    if row is None:
        raise RetryRefused(404, "delivery not found")
    if row.dispatch_status != DispatchStatus.FAILED:
        raise RetryRefused(409, f"delivery is {row.dispatch_status}, not failed")
    remaining = [DispatchAction.from_json(a) for a in row.dispatch_plan[row.dispatch_progress :]]
    await revive_unstarted_runs(session, unstarted_runs(remaining))
    row.dispatch_status, row.dispatch_attempts, row.next_attempt_at = (
        DispatchStatus.PENDING,
        0,
        None,
    )
    session.add(row)
    try:
        await session.commit()
    except IntegrityError:
        raise RetryRefused(409, "the issue has another active run") from None
    return row


@dataclass
class RetryTally:
    """What a retry of many failed deliveries did: how many are pending again, which refused."""

    retried: int = 0
    refused: list[tuple[uuid.UUID, str]] = field(default_factory=list)


async def retry_matching(
    sessions: SessionFactory, where: Sequence[ColumnElement[bool]], *, limit: int
) -> RetryTally:
    """`retry_failed` for each failed delivery matching `where`, oldest first, at most `limit`;
    each in its own transaction, so one refusal (another active run) leaves the rest retried."""
    query = (
        select(col(WebhookEvent.id))
        .where(col(WebhookEvent.dispatch_status) == DispatchStatus.FAILED, *where)
        .order_by(col(WebhookEvent.processed_at), col(WebhookEvent.id))
        .limit(limit)
    )
    async with sessions() as session:
        ids = list((await session.exec(query)).all())
    tally = RetryTally()
    for event_id in ids:
        async with sessions() as session:
            try:
                await retry_failed(session, event_id)
            except RetryRefused as exc:
                tally.refused.append((event_id, exc.reason))
                continue
        tally.retried += 1
    return tally
