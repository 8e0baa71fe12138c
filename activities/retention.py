"""Retention activities: delete old webhook_events rows in batches and old LOG_DIR files."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from temporalio import activity

from activities.database import DatabaseActivities
from db.models import WebhookEvent
from db.types import utcnow
from notify.logfile import LATEST

log = logging.getLogger("hookflow.retention")


@dataclass
class PurgeEventsInput:
    batch_size: int = 0  # 0: RETENTION_BATCH_SIZE


@dataclass
class PurgeEventsResult:
    deliveries: int
    rejected: int


@dataclass
class PurgeLogsInput:
    keep: str = LATEST


@dataclass
class PurgeLogsResult:
    files: int


def _older_than(age: timedelta) -> Any:
    # processed_at is stored as naive UTC.
    return col(WebhookEvent.processed_at) < (utcnow() - age).replace(tzinfo=None)


class RetentionActivities(DatabaseActivities):
    async def _delete_batches(self, condition: Any, batch: int) -> int:
        """Short transactions of `batch` rows each, so ingestion never waits on a long lock."""
        total = 0
        while True:
            ids = select(WebhookEvent.id).where(condition).limit(batch).scalar_subquery()
            async with self._sessions() as session:
                result = await session.exec(
                    delete(WebhookEvent).where(col(WebhookEvent.id).in_(ids))
                )
                await session.commit()
            deleted = int(result.rowcount or 0)
            total += deleted
            activity.heartbeat(total)
            if deleted < batch:
                return total

    @activity.defn(name="retention.purge_events")
    async def purge_events(self, input: PurgeEventsInput) -> PurgeEventsResult:
        """Unsigned rows after REJECTED_RETENTION; signed deliveries only when WEBHOOK_RETENTION
        is set (seed 000's audit trail keeps them), and never one still waiting to be
        dispatched."""
        conf = self._settings
        batch = input.batch_size or conf.retention_batch_size
        unsigned = col(WebhookEvent.signature_valid).is_(False)
        rejected = await self._delete_batches(
            unsigned & _older_than(conf.rejected_retention), batch
        )
        deliveries = 0
        if conf.webhook_retention is not None:
            deliveries = await self._delete_batches(
                col(WebhookEvent.signature_valid).is_(True)
                & (col(WebhookEvent.dispatch_status) != "pending")
                & _older_than(conf.webhook_retention),
                batch,
            )
        log.info("retention: deleted %d deliveries and %d rejected rows", deliveries, rejected)
        return PurgeEventsResult(deliveries=deliveries, rejected=rejected)

    @activity.defn(name="retention.purge_logs")
    async def purge_logs(self, input: PurgeLogsInput) -> PurgeLogsResult:
        """Files under LOG_DIR older than LOG_RETENTION (by modification time), except `keep`."""
        root = self._settings.log_path
        cutoff = time.time() - self._settings.log_retention.total_seconds()
        files = await asyncio.to_thread(purge_old_files, root, cutoff, input.keep)
        log.info("retention: deleted %d files under %s", files, root)
        return PurgeLogsResult(files=files)


def purge_old_files(root: Path, cutoff: float, keep: str) -> int:
    """Delete regular files under `root` last modified before `cutoff` (epoch seconds)."""
    if not root.is_dir():
        return 0
    deleted = 0
    for path in root.rglob("*"):
        if path.name == keep or path.is_symlink() or not path.is_file():
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
        except FileNotFoundError:
            continue  # removed meanwhile (another purge, or the writer's own rewrite)
    return deleted
