"""Seed 000's audit trail — "every webhook event is logged in webhook_events" — is kept by default:
retention deletes signed deliveries only when WEBHOOK_RETENTION is set; unsigned rows (no body)
keep the bounded REJECTED_RETENTION."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select
from temporalio.testing import ActivityEnvironment

from activities.retention import PurgeEventsInput, RetentionActivities
from db.engine import SessionFactory
from db.models import WebhookEvent
from db.types import utcnow
from settings import Settings

OLD = timedelta(days=400)


def row(status: str, *, signed: bool) -> WebhookEvent:
    return WebhookEvent(
        event_type="push",
        payload={},
        signature_valid=signed,
        dispatch_status=status,
        processed_at=(utcnow() - OLD).replace(tzinfo=None),
        delivery_id=f"{status}-{signed}-{uuid.uuid4().hex[:6]}",
    )


async def purge_and_list(sessions: SessionFactory, settings: Settings) -> list[tuple[str, bool]]:
    async with sessions() as session:
        for status, signed in [
            ("dispatched", True),
            ("ignored", True),
            ("rejected", True),  # signed but malformed: a GitHub delivery all the same
            ("rejected", False),  # unsigned
        ]:
            session.add(row(status, signed=signed))
        await session.commit()
    await ActivityEnvironment().run(
        RetentionActivities(sessions, settings).purge_events, PurgeEventsInput()
    )
    async with sessions() as session:
        found = (await session.exec(select(WebhookEvent))).all()
    return sorted((r.dispatch_status, r.signature_valid) for r in found)


async def test_signed_deliveries_are_kept_without_webhook_retention(
    sessions: SessionFactory, settings: Settings
) -> None:
    assert settings.webhook_retention is None
    assert await purge_and_list(sessions, settings) == [
        ("dispatched", True),
        ("ignored", True),
        ("rejected", True),
    ]


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    return getattr(request, "param", {})


@pytest.mark.parametrize("settings_overrides", [{"webhook_retention": "90d"}], indirect=True)
async def test_webhook_retention_set_deletes_old_signed_deliveries(
    sessions: SessionFactory, settings: Settings
) -> None:
    assert await purge_and_list(sessions, settings) == []
