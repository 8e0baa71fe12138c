"""Read API for notifications and how each sink took them, behind the bearer token."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import SessionDep, TokenDep
from api.query import Filter, Limit, Offset, newest_page
from db.models import Notification
from queries.notifications import notification_filters

router = APIRouter(prefix="/api/notifications", tags=["notifications"], dependencies=[TokenDep])


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
    limit: Limit = 50,
    offset: Offset = 0,
) -> NotificationsPublic:
    """List notifications, newest first, filtered by type, priority, repo and delivery id."""
    filters = notification_filters(type=type, priority=priority, repo=repo, delivery_id=delivery_id)
    rows, total = await newest_page(
        session, Notification, filters, newest=Notification.created_at, limit=limit, offset=offset
    )
    return NotificationsPublic(
        data=[NotificationPublic.of(n) for n in rows], count=total, limit=limit, offset=offset
    )
