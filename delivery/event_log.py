"""Seed 002's webhook log: a file per signed, recorded delivery in LOG_DIR
(`YYYYMMDD_HHMMSS_<event>.json`, `latest.json` the newest), written in the background from the
committed rows — never on the request path, and whether Temporal is up or not.

A cursor (LOG_DIR/.deliveries/cursor.json) says how far the log got, so a restart neither skips
nor repeats. Each pass reads the rows after the newest one written (no list of those already
done: its cost would grow with the rate); rows stamped before their commit that commit out of
order are found by a sweep of the last OVERLAP, about once a second.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_, func, or_
from sqlmodel import col, select

from db.engine import SessionFactory
from db.models import WebhookEvent
from db.types import utcnow
from delivery.event_summary import delivery_document
from notify.log_dir import INDEX_DIR, LogWrite, locked, update_latest, write_log_files
from notify.logfile import delivery_entry, is_delivery_entry
from routing.decision import RoutingConfig

log = logging.getLogger("hookflow.event_log")
CURSOR = "cursor.json"
# Rows are stamped before their commit: look back this far for one that committed late.
OVERLAP = timedelta(seconds=5)
# What a file is made of (not the plan, not a raw body that may be megabytes).
_TABLE = WebhookEvent.__table__  # type: ignore[attr-defined]
_COLUMNS = [
    _TABLE.c[name]
    for name in (
        "id",
        "processed_at",
        "delivery_id",
        "event_type",
        "action",
        "repo",
        "payload",
        "response",
        "dispatch_status",
        "workflow_ids",
        "error",
    )
]
_MIN_ID = uuid.UUID(int=0)


@dataclass
class _Entry:
    id: uuid.UUID
    processed_at: datetime
    document: dict[str, Any]


def _entry(row: Any, routing: RoutingConfig) -> _Entry:
    """A row of _COLUMNS as its file's document."""
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


def delivery_write(document: dict[str, Any]) -> LogWrite:
    """The delivery's file, merged with what the notification sink already put there."""
    delivery_id = str(document["delivery_id"])

    def merge(existing: dict[str, Any] | None) -> dict[str, Any]:
        if existing is None:
            return document
        sent = {k: existing[k] for k in ("notification_key", "notification") if existing.get(k)}
        return {**document, **sent}

    return LogWrite(
        identity=delivery_entry(delivery_id),
        event=str(document["event"]),
        when=datetime.fromisoformat(str(document["received_at"])),
        build=merge,
        matches=lambda doc: is_delivery_entry(doc, delivery_id),
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
        # The newest row written (processed_at, id): the next pass reads the rows after it.
        # After a restart the last OVERLAP is read again (its files are rewritten in place).
        self._last: tuple[datetime, uuid.UUID] = (self._cursor - OVERLAP, _MIN_ID)
        # Rows written at or after the sweep's start, so the sweep finds only what is missing.
        self._written: dict[uuid.UUID, datetime] = {}
        self._sweep_from = self._last[0]
        self._swept_at = time.monotonic()
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

    async def _rows(self) -> list[Any]:
        """The next rows after the newest written, oldest first."""
        at, last_id = self._last
        query = (
            sa.select(*_COLUMNS)
            .where(col(WebhookEvent.signature_valid).is_(True))
            .where(col(WebhookEvent.processed_at) >= at)
            .where(
                or_(
                    col(WebhookEvent.processed_at) > at,
                    and_(col(WebhookEvent.processed_at) == at, col(WebhookEvent.id) > last_id),
                )
            )
            .order_by(col(WebhookEvent.processed_at), col(WebhookEvent.id))
            .limit(self._batch)
        )
        async with self._sessions() as session:
            return list((await session.execute(query)).all())

    async def _late_rows(self) -> list[Any]:
        """Rows that committed after a pass had read past their time: every row since the
        previous sweep's newest row less OVERLAP, less those written (a count first: ids are
        read only when some are missing)."""
        since, until = self._sweep_from, self._last[0]
        window = (
            col(WebhookEvent.signature_valid).is_(True),
            col(WebhookEvent.processed_at) >= since,
            col(WebhookEvent.processed_at) <= until,
        )
        known = sum(1 for at in self._written.values() if since <= at <= until)
        async with self._sessions() as session:
            if (await session.exec(select(func.count()).where(*window))).one() == known:
                return []
            ids = (await session.exec(select(WebhookEvent.id).where(*window))).all()
            missing = [i for i in ids if i not in self._written]
            if not missing:
                return []
            query = (
                sa.select(*_COLUMNS)
                .where(col(WebhookEvent.id).in_(missing[: self._batch]))
                .order_by(col(WebhookEvent.processed_at), col(WebhookEvent.id))
            )
            return list((await session.execute(query)).all())

    def _write(self, entries: list[_Entry]) -> int:
        """One lock, one journal commit and one latest.json for the pass, not one per file."""
        with locked(self._dir):
            paths = write_log_files(self._dir, [delivery_write(e.document) for e in entries])
            newest = max(zip(entries, paths, strict=True), key=lambda pair: pair[0].processed_at)
            update_latest(self._dir, newest[1])
        for entry in entries:
            self._written[entry.id] = entry.processed_at
            self._last = max(self._last, (entry.processed_at, entry.id))
        self._cursor = max(self._cursor, self._last[0])
        self._save_cursor()
        return len(entries)

    async def run_once(self) -> int:
        """Write the files of rows committed since the last pass; returns how many."""
        written = await self._write_in_thread(await self._rows())
        if time.monotonic() - self._swept_at >= self._interval:
            written += await self.sweep()
        return written

    async def sweep(self) -> int:
        """Write the rows that committed late (see _late_rows); returns how many."""
        next_from = self._last[0] - OVERLAP
        late = await self._late_rows()
        if late:
            log.info("webhook log: %d delivery(ies) committed late", len(late))
        written = await self._write_in_thread(late)
        if len(late) < self._batch:  # all found: the next sweep starts later
            self._sweep_from = max(self._sweep_from, next_from)
            self._written = {i: at for i, at in self._written.items() if at >= self._sweep_from}
            self._swept_at = time.monotonic()
        return written

    async def _write_in_thread(self, rows: list[Any]) -> int:
        if not rows:
            return 0
        return await asyncio.get_running_loop().run_in_executor(
            self._thread, self._write_rows, rows
        )

    def _write_rows(self, rows: list[Any]) -> int:
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
