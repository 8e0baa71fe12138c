"""A recorded delivery as its page shows it: the headers that matter (never the signature), the
plan with each step's Web UI link and whether it went through, the reason of its status."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from api.console.links import workflow_url
from db.models import WebhookEvent


@dataclass(frozen=True)
class PlanStep:
    kind: str
    workflow: str
    workflow_id: str
    signal: str | None
    link: str | None
    done: bool


def plan_steps(row: WebhookEvent, ui_url: str, namespace: str) -> list[PlanStep]:
    steps = []
    for index, action in enumerate(row.dispatch_plan or []):
        if not isinstance(action, dict):
            continue
        workflow_id = str(action.get("workflow_id") or "")
        steps.append(
            PlanStep(
                kind=str(action.get("kind") or ""),
                workflow=str(action.get("workflow") or ""),
                workflow_id=workflow_id,
                signal=str(action["signal"]) if action.get("signal") else None,
                link=workflow_url(ui_url, namespace, workflow_id) if workflow_id else None,
                done=index < row.dispatch_progress,
            )
        )
    return steps


def headers(row: WebhookEvent) -> list[tuple[str, str]]:
    """What GitHub sent that matters here; the signature itself is never shown or stored."""
    return [
        ("X-GitHub-Event", row.event_type),
        ("X-GitHub-Delivery", row.delivery_id or "—"),
        ("X-GitHub-Hook-ID", row.hook_id or "—"),
        ("X-Hub-Signature-256", "valid" if row.signature_valid else "missing or invalid"),
        ("Content-Length", str(row.body_size)),
    ]


def status_reason(row: WebhookEvent) -> str | None:
    """Why the delivery is in its status: the dispatch error, else the routing's reason."""
    if row.error:
        return row.error
    reason = row.response.get("reason") if isinstance(row.response, dict) else None
    return str(reason) if reason else None


def replay_of(row: WebhookEvent) -> str | None:
    value = row.response.get("replayOf") if isinstance(row.response, dict) else None
    return value if isinstance(value, str) else None


def log_file_names(sink_states: list[dict[str, Any]]) -> list[str]:
    """The names of the notification log files written for the delivery (not their paths)."""
    names = []
    for states in sink_states:
        logfile = states.get("logfile") if isinstance(states, dict) else None
        path = logfile.get("path") if isinstance(logfile, dict) else None
        if isinstance(path, str) and path:
            names.append(PurePath(path).name)
    return names
