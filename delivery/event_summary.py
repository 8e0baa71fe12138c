"""What a delivery's log file holds (seed 002's `LOG_DIR/…json`): the event, what hookflow did
with it, and a bounded `payload_summary`. Pure: built from a committed webhook_events row."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from routing import fields as f
from routing.decision import RoutingConfig
from routing.notifications import classify_with

# A log file stays small whatever the delivery held (GitHub sends up to 25 MB).
MAX_DOCUMENT_BYTES = 64 * 1024
_TEXT = 300


def generic_summary(event: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """A few identifying fields of any event, each clipped; never whole bodies."""

    def text(*path: str) -> str | None:
        return f.text(f.get(payload, *path), _TEXT)

    summary: dict[str, Any] = {
        "repository": f.repo_name(f.get(payload, "repository", "full_name")),
        "sender": f.login(payload.get("sender")),
        "action": f.text(payload.get("action"), 100),
    }
    if event == "ping":
        summary.update(zen=text("zen"), hook_id=f.integer(payload.get("hook_id")))
    for kind in ("issue", "pull_request"):
        if isinstance(payload.get(kind), Mapping):
            summary.update(
                number=f.integer(f.get(payload, kind, "number")),
                title=text(kind, "title"),
                url=text(kind, "html_url"),
            )
    if isinstance(payload.get("label"), Mapping):
        summary["label"] = text("label", "name")
    if isinstance(payload.get("comment"), Mapping):
        summary["comment_url"] = text("comment", "html_url")
    for kind in ("workflow_run", "check_run", "check_suite"):
        if isinstance(payload.get(kind), Mapping):
            summary.update(
                name=text(kind, "name"),
                conclusion=text(kind, "conclusion"),
                branch=text(kind, "head_branch"),
                url=text(kind, "html_url"),
            )
    if event == "push":
        summary.update(ref=text("ref"), head_commit=text("head_commit", "id"))
    return {k: v for k, v in summary.items() if v is not None}


def delivery_document(
    *,
    event: str,
    action: str | None,
    repo: str | None,
    delivery_id: str,
    received_at: datetime,
    payload: Mapping[str, Any],
    response: Mapping[str, Any],
    dispatch_status: str,
    workflow_ids: list[str],
    error: str | None,
    routing: RoutingConfig,
) -> dict[str, Any]:
    """The file's content: the seed's fields, then what hookflow did (status, reason, run id,
    workflow ids, the notification the event produced)."""
    notification: dict[str, Any] | None = None
    summary: dict[str, Any] = {}
    try:
        found = classify_with(routing, event, payload).notifications
    except ValueError:  # a bad PRIORITY_MAP: the file still says what happened
        found = []
    if found:
        notification = {k: v for k, v in found[0].to_dict().items() if k != "payload_summary"}
        summary = dict(found[0].payload_summary)
    document: dict[str, Any] = {
        "event": event,
        "action": action,
        "repository": repo,
        "delivery_id": delivery_id,
        "received_at": received_at.isoformat(),
        "status": response.get("status") or dispatch_status,
        "reason": response.get("reason") or error,
        "dispatch": dispatch_status,
        "run_id": response.get("runId"),
        "workflow_ids": list(workflow_ids),
        "notification": notification,
        "payload_summary": summary or generic_summary(event, payload),
    }
    return bounded(document)


def bounded(document: dict[str, Any]) -> dict[str, Any]:
    """Keep a document under MAX_DOCUMENT_BYTES: the summary goes first, then long texts."""
    if len(json.dumps(document, default=str)) <= MAX_DOCUMENT_BYTES:
        return document
    smaller = dict(document, payload_summary={"truncated": True})
    for key in ("reason", "notification"):
        if len(json.dumps(smaller, default=str)) > MAX_DOCUMENT_BYTES:
            smaller[key] = f.clip(json.dumps(smaller[key], default=str), 1000)
    if len(json.dumps(smaller, default=str)) > MAX_DOCUMENT_BYTES:
        smaller["workflow_ids"] = smaller["workflow_ids"][:20]
    return smaller
