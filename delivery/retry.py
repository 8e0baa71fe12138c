"""Give a `failed` delivery a fresh dispatch budget (its never-started runs active again)."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from contract.actions import DispatchAction
from contract.statuses import DispatchStatus
from db.models import WebhookEvent
from runs.admission import revive_unstarted_runs, unstarted_runs


class RetryRefused(Exception):
    """Why a delivery cannot be retried: `status` is the HTTP answer (404, 409)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


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
