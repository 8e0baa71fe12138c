"""Read API for notifications: what became of each at each receiver, and how its sinks took it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import SessionDep, TokenDep
from api.query import Filter, Limit, Offset, newest_page
from contract.statuses import NotificationStatus
from db.models import Notification
from queries.notifications import notification_filters

router = APIRouter(prefix="/api/notifications", tags=["notifications"], dependencies=[TokenDep])


def status_of(n: Notification) -> str:
    """The row's status; rows from before receivers are read from their sinks."""
    if n.status:
        return n.status
    states = {str(v.get("status")) for v in n.sink_status.values() if isinstance(v, dict)}
    if "failed" in states:
        return NotificationStatus.FAILED
    if states and states <= {"sent"}:
        return NotificationStatus.SENT
    return NotificationStatus.PENDING


class NotificationPublic(BaseModel):
    id: uuid.UUID
    type: str
    priority: str
    repo: str | None
    event: str
    deliveryId: str | None
    groupKey: str | None
    count: int
    summary: str
    url: str | None
    receiver: str
    status: str  # sent | silenced | muted | held | failed | pending
    silenceId: str | None  # the silence that muted it (status silenced)
    timeInterval: str | None  # the mute interval (status muted or held)
    sinks: dict[str, Any]
    workflowId: str | None
    createdAt: datetime
    updatedAt: datetime

    @classmethod
    def of(cls, n: Notification) -> NotificationPublic:
        url = n.details.get("url") if isinstance(n.details, dict) else None
        return cls(
            id=n.id,
            type=n.type,
            priority=n.priority,
            repo=n.repo,
            event=n.event,
            deliveryId=n.delivery_id,
            groupKey=n.group_key,
            count=n.count,
            summary=n.summary,
            url=url if isinstance(url, str) else None,
            receiver=n.receiver,
            status=status_of(n),
            silenceId=n.silence_id,
            timeInterval=n.time_interval,
            sinks=n.sink_status,
            workflowId=n.workflow_id,
            createdAt=n.created_at,
            updatedAt=n.updated_at,
        )


class NotificationsPublic(BaseModel):
    data: list[NotificationPublic]
    count: int
    limit: int
    offset: int


@router.get("", response_model=NotificationsPublic)
async def list_notifications(
    session: SessionDep,
    type: Filter = None,  # noqa: A002 - the public filter name
    priority: Filter = None,
    repo: Filter = None,
    delivery_id: Filter = None,
    receiver: Filter = None,
    status: Filter = None,
    silence_id: Filter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> NotificationsPublic:
    """List notifications (one row per receiver), newest first, filtered by type, priority,
    repo, delivery id, receiver, status and silence id."""
    filters = notification_filters(
        type=type,
        priority=priority,
        repo=repo,
        delivery_id=delivery_id,
        receiver=receiver,
        status=status,
        silence_id=silence_id,
    )
    rows, total = await newest_page(
        session, Notification, filters, newest=Notification.created_at, limit=limit, offset=offset
    )
    return NotificationsPublic(
        data=[NotificationPublic.of(n) for n in rows], count=total, limit=limit, offset=offset
    )
