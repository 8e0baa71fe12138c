"""The outbox's rows: which are due, started ones marked in one UPDATE, a failed attempt counted
or judged (retried after a backoff, or failed for good with the runs it would have started)."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, timedelta
from typing import Any

from sqlalchemy import Uuid, any_, bindparam, func, or_, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contract.actions import DispatchAction
from contract.statuses import DispatchStatus
from db.engine import SessionFactory
from db.models import WebhookEvent
from db.types import utcnow
from db.writers import WriterConnections
from delivery.temporal_calls import Result, backoff, give_up_reason
from routing.fields import clip
from runs.admission import fail_unstarted_runs, unstarted_runs

log = logging.getLogger("hookflow.dispatch")


async def due_ids(
    sessions: SessionFactory, *, inline_timeout: float, limit: int = 100
) -> list[uuid.UUID]:
    """Pending deliveries whose backoff has passed, least-tried first."""
    async with sessions() as session:
        # A young row that no attempt failed yet is still its request's (dispatch_soon).
        young = utcnow().replace(tzinfo=None) - timedelta(seconds=inline_timeout + 1)
        query = (
            select(WebhookEvent.id)
            .where(WebhookEvent.dispatch_status == DispatchStatus.PENDING)
            .where(
                or_(
                    col(WebhookEvent.next_attempt_at).is_(None),
                    col(WebhookEvent.next_attempt_at) <= utcnow(),
                )
            )
            .where(
                or_(
                    col(WebhookEvent.dispatch_attempts) > 0,
                    col(WebhookEvent.processed_at) < young,
                    # Due now: recorded outside the API (/hookflow run): no inline start.
                    col(WebhookEvent.next_attempt_at).is_not(None),
                )
            )
            .order_by(col(WebhookEvent.dispatch_attempts), col(WebhookEvent.processed_at))
            .limit(limit)
        )
        return list((await session.exec(query)).all())


def _mark_statement(postgres: bool) -> Any:
    """The UPDATE of `mark_dispatched`, built once per dialect: the ids are one parameter
    (an array on PostgreSQL), so the statement is compiled once, whatever the batch."""
    table = WebhookEvent.__table__  # type: ignore[attr-defined]
    if postgres:
        ids = table.c.id == any_(bindparam("ids", type_=postgresql.ARRAY(Uuid())))
    else:
        ids = table.c.id.in_(bindparam("ids", expanding=True))
    length = func.jsonb_array_length if postgres else func.json_array_length
    # Rows the loop holds (it is starting them too, and marks them itself) are skipped:
    # waiting for its lock would hold up every request's mark behind a whole pass.
    free = select(table.c.id).where(ids).with_for_update(skip_locked=True).scalar_subquery()
    statement = (
        update(table)
        .where(table.c.id.in_(free), table.c.dispatch_status == DispatchStatus.PENDING)
        .values(
            dispatch_status=DispatchStatus.DISPATCHED,
            dispatched_at=bindparam("now"),
            dispatch_progress=length(table.c.dispatch_plan),
            dispatch_attempts=table.c.dispatch_attempts + 1,
            error=None,
        )
    )
    # The ids marked (PostgreSQL): the group-commit connections read every statement's rows.
    return statement.returning(table.c.id) if postgres else statement


_MARKS = {True: _mark_statement(True), False: _mark_statement(False)}
# The PostgreSQL statement as SQL for the group-commit connections (db/writers.py): one round
# trip, where a session adds a ping, BEGIN and COMMIT.
_MARK_SQL = _MARKS[True].compile(dialect=psycopg_dialect())  # type: ignore[no-untyped-call]
_MARK_CONSTANTS = {k: str(v) if isinstance(v, str) else v for k, v in _MARK_SQL.params.items()}


async def mark_dispatched(
    sessions: SessionFactory,
    event_ids: list[uuid.UUID],
    writers: WriterConnections | None = None,
) -> list[None]:
    """One UPDATE for every delivery whose plan went through meanwhile (on `writers`, the
    group commit's connections, when given)."""
    values = {"ids": event_ids, "now": utcnow()}
    if writers is not None:
        await writers.execute(_MARK_SQL.string, {**_MARK_CONSTANTS, **values})
        return [None] * len(event_ids)
    async with sessions() as session:
        await session.execute(_MARKS[session.bind.dialect.name == "postgresql"], values)
        await session.commit()
    return [None] * len(event_ids)


async def count_failed_attempt(
    sessions: SessionFactory, event_id: uuid.UUID, exc: BaseException
) -> None:
    """Count a failed inline attempt so the loop takes the row at once."""
    try:
        async with sessions() as session:
            await session.execute(
                update(WebhookEvent)
                .where(
                    col(WebhookEvent.id) == event_id,
                    col(WebhookEvent.dispatch_status) == DispatchStatus.PENDING,
                )
                .values(
                    dispatch_attempts=col(WebhookEvent.dispatch_attempts) + 1,
                    error=f"dispatch failed: {type(exc).__name__}: {exc}"[:2000],
                )
            )
            await session.commit()
    except Exception:  # noqa: BLE001 - the row becomes the loop's once it is old enough
        log.warning("delivery row %s: could not record the failed attempt", event_id)


async def release_backoffs(sessions: SessionFactory) -> int:
    """Temporal answers again: every pending delivery waiting out a backoff is due now (its
    failures were the outage's). Returns how many."""
    async with sessions() as session:
        result = await session.execute(
            update(WebhookEvent)
            .where(
                col(WebhookEvent.dispatch_status) == DispatchStatus.PENDING,
                col(WebhookEvent.next_attempt_at) > utcnow(),
            )
            .values(next_attempt_at=None)
        )
        await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def mark_started(row: WebhookEvent) -> None:
    row.dispatch_status = DispatchStatus.DISPATCHED
    row.dispatched_at = utcnow()
    row.next_attempt_at = None
    row.error = None


async def judge_failure(
    session: AsyncSession,
    row: WebhookEvent,
    plan: list[DispatchAction],
    exc: Exception,
    *,
    interval: float,
    max_attempts: int,
    max_age: timedelta,
) -> Result:
    """Set a failed attempt's outcome on `row` (the caller commits): tried again after a
    backoff, or failed for good, with the runs it would have started."""
    reason = clip(f"{type(exc).__name__}: {exc}", 1900)
    now = utcnow()
    age = now - row.processed_at.replace(tzinfo=UTC)
    why = give_up_reason(exc, row.dispatch_attempts, max_attempts, age, max_age)
    if why is None:
        row.error = f"dispatch failed (attempt {row.dispatch_attempts}): {reason}"
        row.next_attempt_at = now + backoff(row.dispatch_attempts, interval)
        log.warning(
            "delivery %s: dispatch failed (attempt %d): %s",
            row.delivery_id,
            row.dispatch_attempts,
            reason,
        )
        session.add(row)
        return Result.RETRY
    row.dispatch_status = DispatchStatus.FAILED
    row.next_attempt_at = None
    row.error = f"dispatch failed for good ({why}): {reason}"
    session.add(row)
    await fail_unstarted_runs(session, unstarted_runs(plan[row.dispatch_progress :]), row.error)
    log.error("delivery %s: %s", row.delivery_id, row.error)
    return Result.FAILED
