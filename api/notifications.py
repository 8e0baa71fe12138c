"""Read API for notifications: what became of each at each receiver, and how its sinks took it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import AliasPath, Field, model_validator

from api.deps import TokenDep
from api.public import JsonText, Page, Public
from api.query import list_route
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


class NotificationPublic(Public):
    id: uuid.UUID
    type: str
    priority: str
    repo: str | None
    event: str
    delivery_id: str | None
    group_key: str | None
    count: int
    summary: str
    url: JsonText = Field(None, validation_alias=AliasPath("details", "url"))
    receiver: str
    status: str  # sent | silenced | muted | held | failed | pending
    silence_id: str | None  # the silence that muted it (status silenced)
    time_interval: str | None  # the mute interval (status muted or held)
    sink_status: dict[str, Any] = Field(serialization_alias="sinks")
    workflow_id: str | None
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _with_status(cls, row: Any) -> Any:
        return (
            {**row.model_dump(), "status": status_of(row)} if isinstance(row, Notification) else row
        )


class NotificationsPublic(Page[NotificationPublic]):
    pass


# GET /api/notifications: newest first, by the filters the console uses too.
list_route(
    router,
    NotificationsPublic,
    Notification,
    newest=Notification.created_at,
    name="list_notifications",
)(notification_filters)
