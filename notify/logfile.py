"""Write one JSON file per notified event, plus `latest.json`.

`LOG_DIR/20260101_123045_workflow_run.json` holds the notification and its payload summary.
Files appear atomically (temp file, then link/replace), and writing the same delivery again
rewrites its file instead of adding a second one: the file's `notification_key` says which
notification it holds (one delivery may notify several times), `delivery_id` which GitHub delivery
it came from.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import json
import os
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from notify.errors import SinkError
from routing.notifications import Notification, notification_dict

SINK = "logfile"
LATEST = "latest.json"
# Hidden so `ls LOG_DIR` and `tail -f LOG_DIR/*.json` show only event files.
INDEX_DIR = ".deliveries"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
# Errors that another attempt will not fix without someone changing the configuration.
_PERMANENT_ERRNOS = {
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.ENOTDIR,
    errno.EISDIR,
    errno.EEXIST,
}


def _stamp(when: datetime) -> str:
    # Aware times are written in UTC so names sort the same on every host.
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y%m%d_%H%M%S")


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("._") or "event"


def log_file_name(event: str, when: datetime, n: int = 1) -> str:
    """`YYYYMMDD_HHMMSS_<event>.json`; the n-th file of the same second gets `-n`."""
    base = f"{_stamp(when)}_{_safe(event)}"
    return f"{base}.json" if n == 1 else f"{base}-{n}.json"


def build_log_document(
    *,
    event: str,
    notification: Notification | Mapping[str, Any],
    payload_summary: Mapping[str, Any],
    when: datetime,
    key: str,
    delivery_id: str | None = None,
) -> dict[str, Any]:
    """The exact content of an event's log file (and of latest.json)."""
    # The summary is kept once, at the top, where `jq .payload_summary` finds it.
    body = {k: v for k, v in notification_dict(notification).items() if k != "payload_summary"}
    return {
        "event": event,
        "delivery_id": delivery_id,
        "notification_key": key,
        "received_at": when.isoformat(),
        "notification": body,
        "payload_summary": dict(payload_summary),
    }


def _encode(document: Mapping[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n").encode()


def _write_temp(log_dir: Path, data: bytes) -> Path:
    tmp = log_dir / f".{uuid.uuid4().hex}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _replace(log_dir: Path, path: Path, data: bytes) -> None:
    tmp = _write_temp(log_dir, data)
    try:
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _create_new(log_dir: Path, event: str, when: datetime, data: bytes) -> Path:
    """Give the data a name nobody else has; link() refuses to overwrite, so racers differ."""
    tmp = _write_temp(log_dir, data)
    try:
        for n in range(1, 10_000):
            path = log_dir / log_file_name(event, when, n)
            try:
                os.link(tmp, path)
                return path
            except FileExistsError:
                continue
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                    raise
                # A filesystem without hard links: best effort, check then rename.
                if not path.exists():
                    os.replace(tmp, path)
                    return path
        raise OSError(errno.EEXIST, f"too many log files for {log_file_name(event, when)}")
    finally:
        tmp.unlink(missing_ok=True)


def _index_key(key: str, notification: Mapping[str, Any]) -> str:
    name = _safe(f"{key}.{notification.get('type', '')}")
    return name if len(name) <= 120 else hashlib.sha256(name.encode()).hexdigest()


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _key_of(doc: Mapping[str, Any]) -> object:
    # Files written before `notification_key` existed kept the key in `delivery_id`.
    return doc.get("notification_key", doc.get("delivery_id"))


def _is_same(path: Path, key: str, notification: Mapping[str, Any]) -> bool:
    doc = _read(path)
    if doc is None or _key_of(doc) != key:
        return False
    return (doc.get("notification") or {}).get("type") == notification.get("type")


def _find_existing(
    log_dir: Path, event: str, when: datetime, key: str, notification: Mapping[str, Any]
) -> Path | None:
    index = log_dir / INDEX_DIR / _index_key(key, notification)
    try:
        name = index.read_text().strip()
    except OSError:
        name = ""
    if name and _is_same(log_dir / name, key, notification):
        return log_dir / name
    # Covers a crash between writing the file and its index entry.
    pattern = f"{_stamp(when)}_{_safe(event)}*.json"
    for path in sorted(log_dir.glob(pattern)):
        if _is_same(path, key, notification):
            return path
    return None


def _remember(log_dir: Path, key: str, notification: Mapping[str, Any], path: Path) -> None:
    index_dir = log_dir / INDEX_DIR
    index_dir.mkdir(exist_ok=True)
    _replace(index_dir, index_dir / _index_key(key, notification), path.name.encode())


def write_event_log(
    log_dir: Path,
    *,
    event: str,
    notification: Notification | Mapping[str, Any],
    payload_summary: Mapping[str, Any],
    when: datetime,
    key: str,
    delivery_id: str | None = None,
) -> Path:
    """Write (or rewrite, for a notification already written) the event's file; update
    latest.json. `key` identifies the notification, `delivery_id` the GitHub delivery."""
    document = build_log_document(
        event=event,
        notification=notification,
        payload_summary=payload_summary,
        when=when,
        key=key,
        delivery_id=delivery_id,
    )
    data = _encode(document)
    notification = notification_dict(notification)
    log_dir = log_dir.expanduser()
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        existing = _find_existing(log_dir, event, when, key, notification) if key else None
        if existing is not None:
            _replace(log_dir, existing, data)
            path = existing
        else:
            path = _create_new(log_dir, event, when, data)
            if key:
                _remember(log_dir, key, notification, path)
        # A retried old notification must not turn latest.json back in time.
        latest = log_dir / LATEST
        if existing is None or _key_of(_read(latest) or {}) == key:
            _replace(log_dir, latest, data)
    except OSError as exc:
        retryable = exc.errno not in _PERMANENT_ERRNOS
        raise SinkError(f"{SINK}: cannot write to {log_dir}: {exc}", retryable) from exc
    return path


async def awrite_event_log(
    log_dir: Path,
    *,
    event: str,
    notification: Notification | Mapping[str, Any],
    payload_summary: Mapping[str, Any],
    when: datetime,
    key: str,
    delivery_id: str | None = None,
) -> Path:
    """write_event_log off the event loop (for async activities)."""
    return await asyncio.to_thread(
        write_event_log,
        log_dir,
        event=event,
        notification=notification,
        payload_summary=payload_summary,
        when=when,
        key=key,
        delivery_id=delivery_id,
    )
