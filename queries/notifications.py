"""Notifications as operators look them up (the API and the console)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Unpack

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Notification
from queries.keyset import Page, Window, model_page
from queries.match import matching


def notification_filters(
    *,
    type: str | None = None,  # noqa: A002 - the public filter name
    priority: str | None = None,
    repo: str | None = None,
    delivery_id: str | None = None,
    receiver: str | None = None,
    status: str | None = None,
    silence_id: str | None = None,
) -> list[ColumnElement[bool]]:
    """Notifications (one row per receiver) by type, priority, repo, delivery id, receiver,
    status and the silence that muted them; a filter not given (None or "") keeps every row."""
    return matching(
        (Notification.type, type),
        (Notification.priority, priority and priority.lower()),
        (Notification.repo, repo),
        (Notification.delivery_id, delivery_id),
        (Notification.receiver, receiver),
        (Notification.status, status and status.lower()),
        (Notification.silence_id, silence_id),
    )


async def notification_page(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], **window: Unpack[Window]
) -> Page[Notification]:
    return await model_page(session, Notification, where, newest=Notification.created_at, **window)


async def recent_sink_states(
    session: AsyncSession, since: datetime, limit: int = 5000
) -> list[dict[str, Any]]:
    """The sink states of the newest notifications since `since` (at most `limit`)."""
    query = (
        select(col(Notification.sink_status))
        .where(col(Notification.created_at) >= since)
        .order_by(col(Notification.created_at).desc())
        .limit(limit)
    )
    return [s if isinstance(s, dict) else {} for s in (await session.execute(query)).scalars()]
