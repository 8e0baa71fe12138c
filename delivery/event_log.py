"""Seed 002's webhook log: a file per signed, recorded delivery in LOG_DIR
(`YYYYMMDD_HHMMSS_<event>.json`, `latest.json` the newest), written in the background from the
committed rows — never on the request path, and whether Temporal is up or not.

A cursor (LOG_DIR/.deliveries/cursor.json) says how far the log got, so a restart neither skips
nor repeats; rows that commit a little out of order are picked up by a short overlap.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from db.engine import SessionFactory
from db.models import WebhookEvent
from db.types import utcnow
from delivery.event_summary import delivery_document
from notify.log_dir import INDEX_DIR, locked, update_latest, write_log_file
from notify.logfile import delivery_entry, is_delivery_entry
from routing.decision import RoutingConfig

log = logging.getLogger("hookflow.event_log")
CURSOR = "cursor.json"
# Rows are stamped before their commit: look back this far for one that committed late.
OVERLAP = timedelta(seconds=5)


@dataclass
class _Entry:
    id: uuid.UUID
    processed_at: datetime
    document: dict[str, Any]


def _entry(row: WebhookEvent, routing: RoutingConfig) -> _Entry:
    delivery_id = row.delivery_id or str(row.id)
    return _Entry(
        row.id,
        row.processed_at,
        delivery_document(
            event=row.event_type,
            action=row.action,
            repo=row.repo,
            delivery_id=delivery_id,
            received_at=row.processed_at,
            payload=row.payload if isinstance(row.payload, dict) else {},
            response=row.response or {},
            dispatch_status=row.dispatch_status,
            workflow_ids=list(row.workflow_ids or []),
            error=row.error,
            routing=routing,
        ),
    )


def write_delivery_file(
    log_dir: Path, document: dict[str, Any], *, lock: bool = True, latest: bool = True
) -> Path:
    """The delivery's file, merged with what the notification sink already put there."""
    delivery_id = str(document["delivery_id"])
    received = datetime.fromisoformat(str(document["received_at"]))

    def merge(existing: dict[str, Any] | None) -> dict[str, Any]:
        if existing is None:
            return document
        sent = {k: existing[k] for k in ("notification_key", "notification") if existing.get(k)}
        return {**document, **sent}

    return write_log_file(
        log_dir,
        identity=delivery_entry(delivery_id),
        event=str(document["event"]),
        when=received,
        build=merge,
        matches=lambda doc: is_delivery_entry(doc, delivery_id),
        lock=lock,
        latest=latest,
    )


class EventLog:
    """The background writer the API runs beside the dispatcher."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        log_dir: Path,
        routing: RoutingConfig,
        interval: float = 1.0,
        batch: int = 50,  # rows (with their payloads) in memory at once: bounded in a burst
    ) -> None:
        self._sessions = sessions
        self._dir = log_dir.expanduser()
        self._routing = routing
        self._interval = interval
        self._batch = batch
        self._cursor = self._load_cursor()
        self._written: dict[uuid.UUID, datetime] = {}
        # One thread of its own: documents are built and files written there, off the event
        # loop, and one thread keeps one malloc arena (not one per thread of the default pool).
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hookflow-event-log")

    def _cursor_path(self) -> Path:
        return self._dir / INDEX_DIR / CURSOR

    def _load_cursor(self) -> datetime:
        try:
            data = json.loads(self._cursor_path().read_text())
            return datetime.fromisoformat(data["processed_at"])
        except (OSError, ValueError, KeyError, TypeError):
            # First start: from now on (what came before had no log to go to).
            return utcnow().replace(tzinfo=None) - OVERLAP

    def _save_cursor(self) -> None:
        path = self._cursor_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"processed_at": self._cursor.isoformat()}))
        tmp.replace(path)

    async def _rows(self) -> list[WebhookEvent]:
        since = self._cursor - OVERLAP
        query = (
            select(WebhookEvent)
            .where(col(WebhookEvent.signature_valid).is_(True))
            .where(col(WebhookEvent.processed_at) >= since)
            .order_by(col(WebhookEvent.processed_at), col(WebhookEvent.id))
        )
        known = [i for i, at in self._written.items() if at >= since]
        if known:
            query = query.where(col(WebhookEvent.id).not_in(known))
        async with self._sessions() as session:
            return list((await session.exec(query.limit(self._batch))).all())

    def _write(self, entries: list[_Entry]) -> int:
        """One lock for the pass, and latest.json once (for the newest), not per file."""
        done = 0
        newest: tuple[datetime, Path] | None = None
        with locked(self._dir):
            for entry in entries:
                path = write_delivery_file(self._dir, entry.document, lock=False, latest=False)
                if newest is None or entry.processed_at >= newest[0]:
                    newest = (entry.processed_at, path)
                self._written[entry.id] = entry.processed_at
                self._cursor = max(self._cursor, entry.processed_at)
                done += 1
            if newest is not None:
                update_latest(self._dir, newest[1])
        self._save_cursor()
        floor = self._cursor - 2 * OVERLAP
        self._written = {i: at for i, at in self._written.items() if at >= floor}
        return done

    async def run_once(self) -> int:
        """Write the files of rows committed since the last pass; returns how many."""
        rows = await self._rows()
        if not rows:
            return 0
        return await asyncio.get_running_loop().run_in_executor(
            self._thread, self._write_rows, rows
        )

    def _write_rows(self, rows: list[WebhookEvent]) -> int:
        return self._write([_entry(r, self._routing) for r in rows])

    async def run_forever(self) -> None:
        try:
            while True:
                written = 0
                try:
                    written = await self.run_once()
                except Exception as exc:  # noqa: BLE001 - database or disk down: try later
                    log.warning("webhook log: pass failed: %s: %s", type(exc).__name__, exc)
                if written < self._batch:
                    await asyncio.sleep(self._interval)
        finally:
            self._thread.shutdown(wait=False)
