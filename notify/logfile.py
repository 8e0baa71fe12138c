"""The log-file sink: one JSON file per notification in LOG_DIR (layout: notify/log_dir.py).

A delivery's own notification goes into that delivery's file (delivery/event_log.py writes the
rest of it), so one webhook event is one file whichever writer comes first; notifications of
no single delivery (escalations, reminders, batch notices of a group) get their own file.
Writing the same notification again rewrites its file instead of adding a second one.
"""

from __future__ import annotations

import asyncio
import errno
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, NotRequired, TypedDict, Unpack

from notify.errors import SinkError
from notify.log_dir import INDEX_DIR, LATEST, Document, log_file_name, write_log_file
from routing.notifications import Notification, notification_dict
from routing.workflow_ids import notification_workflow_id

__all__ = [
    "INDEX_DIR",
    "LATEST",
    "awrite_event_log",
    "build_log_document",
    "delivery_entry",
    "is_delivery_entry",
    "log_file_name",
    "write_event_log",
]

SINK = "logfile"
# Errors that another attempt will not fix without someone changing the configuration.
_PERMANENT_ERRNOS = {
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.ENOTDIR,
    errno.EISDIR,
    errno.EEXIST,
}
# A delivery notifies at most this many times itself (classify gives one per event today).
_OWN_INDEXES = range(8)


def delivery_entry(delivery_id: str) -> str:
    """The index name of a delivery's file."""
    return f"delivery-{delivery_id}"


def own_keys(delivery_id: str) -> set[str]:
    return {notification_workflow_id(delivery_id, i) for i in _OWN_INDEXES}


def is_delivery_entry(doc: Mapping[str, Any], delivery_id: str) -> bool:
    """The file of this delivery (not a later escalation or notice that names it)."""
    if doc.get("delivery_id") != delivery_id:
        return False
    key = doc.get("notification_key")
    return key is None or key in own_keys(delivery_id)


class LogEntry(TypedDict):
    """What one notification's log file says (the keyword arguments of the functions below)."""

    event: str
    notification: Notification | Mapping[str, Any]
    payload_summary: Mapping[str, Any]
    when: datetime
    key: str  # which notification: writing it again rewrites its file
    delivery_id: NotRequired[str | None]  # which GitHub delivery it came from


def build_log_document(**entry: Unpack[LogEntry]) -> dict[str, Any]:
    """The exact content of a notification's own log file (and of latest.json)."""
    notification = notification_dict(entry["notification"])
    # The summary is kept once, at the top, where `jq .payload_summary` finds it.
    body = {k: v for k, v in notification.items() if k != "payload_summary"}
    return {
        "event": entry["event"],
        "delivery_id": entry.get("delivery_id"),
        "notification_key": entry["key"],
        "received_at": entry["when"].isoformat(),
        "notification": body,
        "payload_summary": dict(entry["payload_summary"]),
    }


def _key_of(doc: Mapping[str, Any]) -> object:
    # Files written before `notification_key` existed kept the key in `delivery_id`.
    return doc.get("notification_key", doc.get("delivery_id"))


def write_event_log(log_dir: Path, **entry: Unpack[LogEntry]) -> Path:
    """Write (or rewrite, for a notification already written) the notification's file; update
    latest.json. `key` identifies the notification, `delivery_id` the GitHub delivery."""
    document = build_log_document(**entry)
    event, when, key = entry["event"], entry["when"], entry["key"]
    delivery_id = entry.get("delivery_id")
    kind = notification_dict(entry["notification"]).get("type", "")
    try:
        if delivery_id and key in own_keys(delivery_id):
            own = delivery_id

            def merge(existing: Document | None) -> Document:
                if existing is None:
                    return document
                # The delivery's file: add what was sent, keep what the delivery log wrote.
                return {
                    **existing,
                    "notification_key": key,
                    "notification": document["notification"],
                }

            return write_log_file(
                log_dir,
                identity=delivery_entry(own),
                event=event,
                when=when,
                build=merge,
                matches=lambda doc: is_delivery_entry(doc, own),
            )
        return write_log_file(
            log_dir,
            identity=f"{key}.{kind}",
            event=event,
            when=when,
            build=lambda existing: document,
            matches=lambda doc: (
                _key_of(doc) == key and (doc.get("notification") or {}).get("type") == kind
            ),
        )
    except OSError as exc:
        retryable = exc.errno not in _PERMANENT_ERRNOS
        raise SinkError(f"{SINK}: cannot write to {log_dir}: {exc}", retryable) from exc


async def awrite_event_log(log_dir: Path, **entry: Unpack[LogEntry]) -> Path:
    """write_event_log off the event loop (for async activities)."""
    return await asyncio.to_thread(write_event_log, log_dir, **entry)
