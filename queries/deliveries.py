"""Recorded deliveries as operators look them up: one set of filters for the API and the
console, the newest-first page of list columns, the outbox counts and the per-minute outcome."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Unpack

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contract.statuses import DispatchStatus
from db.models import WebhookEvent
from delivery.replay import REPLAY_PREFIX
from queries.keyset import Cursor, Page, Window, keyset_page
from queries.match import matching
from settings import parse_duration


def since_time(text: str, now: datetime) -> datetime:
    """`since` as a duration back from now (`24h`) or an ISO time; naive UTC like the column.
    ValueError for anything else."""
    try:
        return (now - parse_duration(text)).replace(tzinfo=None)
    except ValueError:
        pass
    return iso_time(text, "since")


def iso_time(text: str, name: str) -> datetime:
    """An ISO time (a zone, or UTC when none) as naive UTC; ValueError naming the field."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{name} must be a duration (24h) or an ISO time, got {text!r}") from None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class DeliveryFilter:
    """What an operator narrows deliveries by; empty fields do not filter."""

    event: str | None = None
    action: str | None = None
    repo: str | None = None
    status: str | None = None
    since: datetime | None = None  # naive UTC, inclusive
    until: datetime | None = None  # naive UTC, exclusive
    delivery_id: str | None = None  # the GitHub delivery id, or its beginning
    replays: bool = True

    def clauses(self) -> list[ColumnElement[bool]]:
        found = matching(
            (WebhookEvent.event_type, self.event),
            (WebhookEvent.action, self.action),
            (WebhookEvent.repo, self.repo),
            (WebhookEvent.dispatch_status, self.status),
        )
        if self.since is not None:
            found.append(col(WebhookEvent.processed_at) >= self.since)
        if self.until is not None:
            found.append(col(WebhookEvent.processed_at) < self.until)
        if self.delivery_id:
            prefix = _escape_like(self.delivery_id.strip())
            found.append(col(WebhookEvent.delivery_id).like(f"{prefix}%", escape="\\"))
        if not self.replays:
            found.append(func.coalesce(WebhookEvent.dedupe_key, "").not_like(f"{REPLAY_PREFIX}%"))
        return found


@dataclass(frozen=True)
class DeliveryRow:
    """What a line of the list shows (never the payload: a page reads 50 small rows)."""

    id: uuid.UUID
    processed_at: datetime
    event: str
    action: str | None
    repo: str | None
    delivery_id: str | None
    status: str
    http_status: int
    error: str | None
    reason: str | None
    replay_of: str | None

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.processed_at, self.id)


LIST_COLUMNS = (
    col(WebhookEvent.id),
    col(WebhookEvent.processed_at),
    col(WebhookEvent.event_type),
    col(WebhookEvent.action),
    col(WebhookEvent.repo),
    col(WebhookEvent.delivery_id),
    col(WebhookEvent.dispatch_status),
    col(WebhookEvent.http_status),
    func.substr(col(WebhookEvent.error), 1, 300),
    WebhookEvent.response["reason"].as_string().label("reason"),
    WebhookEvent.response["replayOf"].as_string().label("replay_of"),
)


def _row(values: Any) -> DeliveryRow:
    reason = values.reason
    return DeliveryRow(
        id=values[0],
        processed_at=values[1],
        event=values[2],
        action=values[3],
        repo=values[4],
        delivery_id=values[5],
        status=values[6],
        http_status=values[7],
        error=values[8],
        reason=reason[:300] if reason else None,
        replay_of=values.replay_of,
    )


async def delivery_page(
    session: AsyncSession, where: DeliveryFilter, **window: Unpack[Window]
) -> Page[DeliveryRow]:
    """Deliveries matching `where`, newest first, one keyset page."""
    page = await keyset_page(
        session,
        select(*LIST_COLUMNS).where(*where.clauses()),
        time_col=col(WebhookEvent.processed_at),
        id_col=col(WebhookEvent.id),
        key=lambda r: Cursor(r[1], r[0]),
        **window,
    )
    return Page([_row(r) for r in page.rows], page.older, page.newer)


async def count_matching(session: AsyncSession, where: DeliveryFilter) -> int:
    query = select(func.count()).select_from(WebhookEvent).where(*where.clauses())
    return int((await session.execute(query)).scalar_one())


async def outbox_counts(session: AsyncSession) -> dict[str, int]:
    """Deliveries whose plan has not gone through: `pending` (retried) and `failed`."""
    wanted = (DispatchStatus.PENDING, DispatchStatus.FAILED)
    query = (
        select(col(WebhookEvent.dispatch_status), func.count())
        .where(col(WebhookEvent.dispatch_status).in_(wanted))
        .group_by(col(WebhookEvent.dispatch_status))
    )
    counts = {status: int(n) for status, n in (await session.execute(query)).all()}
    return {str(s): counts.get(s, 0) for s in wanted}


async def outcomes_per_minute(
    session: AsyncSession, now: datetime, minutes: int = 60
) -> list[tuple[datetime, str, int]]:
    """(minute, dispatch status, deliveries) over the last `minutes`, oldest first."""
    start = (now - timedelta(minutes=minutes)).replace(tzinfo=None, second=0, microsecond=0)
    at = col(WebhookEvent.processed_at)
    dialect = session.bind.dialect.name
    minute = (
        func.date_trunc("minute", at)
        if dialect == "postgresql"
        else func.strftime("%Y-%m-%d %H:%M:00", at)
    )
    query = (
        select(minute.label("minute"), col(WebhookEvent.dispatch_status), func.count())
        .where(at >= start)
        .group_by(minute, col(WebhookEvent.dispatch_status))
        .order_by(minute)
    )
    result = []
    for when, status, n in (await session.execute(query)).all():
        moment = when if isinstance(when, datetime) else datetime.fromisoformat(str(when))
        result.append((moment, str(status), int(n)))
    return result
