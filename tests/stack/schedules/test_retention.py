"""Retention: the Temporal Schedule created at worker start-up runs RetentionWorkflow, which
deletes old deliveries (rejected ones sooner) in batches and old LOG_DIR files but latest.json."""

from __future__ import annotations

import io
import json
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from temporalio.client import Client, ScheduleIntervalSpec
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from db.engine import SessionFactory
from db.models import WebhookEvent
from db.types import utcnow
from ops.logs import configure_logging
from schedules.retention import ensure_retention_schedule
from settings import Settings, load_settings
from tests.support.record_histories import RecordHistory
from tests.support.waiting import eventually
from workflows.retention import RetentionResult


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "retention_batch_size": 2,
        "webhook_retention": "30d",
        "rejected_retention": "7d",
        "log_retention": "30d",
        "retention_schedule": "1d",
    }


def row(status: str, age: timedelta) -> WebhookEvent:
    return WebhookEvent(
        event_type="push",
        payload={},
        signature_valid=status != "rejected",
        dispatch_status=status,
        processed_at=(utcnow() - age).replace(tzinfo=None),
        delivery_id=f"{status}-{age.days}d-{uuid.uuid4().hex[:6]}",
    )


def aged(path: Path, days: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")
    when = time.time() - days * 86400
    os.utime(path, (when, when))
    return path


async def test_scheduled_retention_deletes_old_rows_and_files_only(
    temporal_client: Client,
    worker: Worker,
    settings: Settings,
    sessions: SessionFactory,
    record_history: RecordHistory,
) -> None:
    old, recent = timedelta(days=40), timedelta(days=3)
    async with sessions() as session:
        for status, age, copies in [
            ("dispatched", old, 5),
            ("ignored", old, 1),
            ("rejected", timedelta(days=10), 3),
            ("pending", old, 1),
            ("dispatched", recent, 1),
            ("rejected", recent, 1),
        ]:
            for _ in range(copies):
                session.add(row(status, age))
        await session.commit()
    logs = settings.log_path
    old_file = aged(logs / "20250101_000000_push.json", 40)
    old_index = aged(logs / ".deliveries" / "abc", 40)
    latest = aged(logs / "latest.json", 40)
    new_file = aged(logs / "20260101_000000_push.json", 1)

    schedule_id = f"retention-{uuid.uuid4().hex[:8]}"
    assert await ensure_retention_schedule(temporal_client, settings, schedule_id=schedule_id)
    # A second start-up updates the schedule in place instead of failing.
    assert await ensure_retention_schedule(
        temporal_client,
        settings.model_copy(update={"retention_schedule": "12h"}),
        schedule_id=schedule_id,
    )
    handle = temporal_client.get_schedule_handle(schedule_id)
    stream = io.StringIO()
    configure_logging(settings.model_copy(update={"log_format": "json"}), stream=stream)
    try:
        description = await handle.describe()
        assert description.schedule.spec.intervals == [
            ScheduleIntervalSpec(every=timedelta(hours=12))
        ]
        await handle.trigger()

        async def finished() -> Any:
            info = (await handle.describe()).info
            return info.recent_actions and info.recent_actions[-1]

        action = await eventually(finished, what="a scheduled retention run")
        started = action.action.workflow_id
        result = await temporal_client.get_workflow_handle(
            started, result_type=RetentionResult
        ).result()
    finally:
        configure_logging(load_settings(log_level="WARNING"))
        await handle.delete()

    assert result == RetentionResult(deliveries=6, rejected=3, log_files=2)
    async with sessions() as session:
        left = (await session.exec(select(WebhookEvent))).all()
    assert sorted(
        (r.dispatch_status, (utcnow().replace(tzinfo=None) - r.processed_at).days) for r in left
    ) == [("dispatched", 3), ("pending", 40), ("rejected", 3)]
    assert not old_file.exists() and not old_index.exists()
    assert latest.exists() and new_file.exists()
    # The activity's log lines say which workflow run they belong to.
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    purge = [r for r in lines if r["message"].startswith("retention: deleted 6 deliveries")]
    assert purge and purge[0]["workflow_id"] == started and purge[0]["run_id"]
    await record_history("retention/scheduled_purge", started)


async def test_retention_schedule_off_removes_it(
    temporal_client: Client, settings: Settings
) -> None:
    schedule_id = f"retention-{uuid.uuid4().hex[:8]}"
    assert await ensure_retention_schedule(temporal_client, settings, schedule_id=schedule_id)
    off = settings.model_copy(update={"retention_schedule": "off"})
    assert not await ensure_retention_schedule(temporal_client, off, schedule_id=schedule_id)
    # Read the schedule itself: a listing comes from visibility, which lags a deletion.
    with pytest.raises(RPCError) as gone:
        await temporal_client.get_schedule_handle(schedule_id).describe()
    assert gone.value.status == RPCStatusCode.NOT_FOUND
