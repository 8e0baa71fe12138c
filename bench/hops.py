"""Where a notification's time goes, read from Temporal histories lined up with the bench's
own clock: webhook sent → acknowledged → the workflow that sends it told (signal or start) →
its workflow task (waiting for a worker, running) → recorded in the database → the AI Maestro
activity scheduled, picked up, the message received. A notice a CI group or a blocked task
sends itself is found in that workflow's history by its key; one sent by a child workflow
(groups and blocked tasks started before they sent themselves) also shows the parent's task
and the child's start."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client

AIMAESTRO_ACTIVITY = "notify.aimaestro"


@dataclass
class Timeline:
    kind: str
    points: list[tuple[str, float]] = field(default_factory=list)  # (label, epoch s) in order

    def add(self, label: str, at: float | None) -> None:
        if at is not None:
            self.points.append((label, at))

    def hops(self) -> list[tuple[str, float]]:
        """(hop label, ms) between consecutive points."""
        return [
            (f"{a} → {b}", (tb - ta) * 1000)
            for (a, ta), (b, tb) in zip(self.points, self.points[1:], strict=False)
        ]


def _t(event: HistoryEvent) -> float:
    return event.event_time.ToMicroseconds() / 1e6


async def _events(client: Client, workflow_id: str, run_id: str | None = None) -> list[Any]:
    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    return [e async for e in handle.fetch_history_events()]


def _task_before(events: list[Any], index: int) -> tuple[Any, Any, Any, Any]:
    """The workflow task that produced the command at `index`: (trigger, scheduled, started,
    completed), the trigger being the signal or start that woke it."""
    completed = next(
        e
        for e in reversed(events[:index])
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    )
    at = events.index(completed)
    started = next(
        e
        for e in reversed(events[:at])
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED
    )
    scheduled = next(
        e
        for e in reversed(events[:at])
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED
    )
    wakes = (
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
    )
    trigger = next(
        (e for e in reversed(events[: events.index(scheduled)]) if e.event_type in wakes), None
    )
    return trigger, scheduled, started, completed


def _sends_to_maestro(event: Any, key: str) -> bool:
    """The AI Maestro activity of the notification `key` (its input names the key)."""
    if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        return False
    scheduled = event.activity_task_scheduled_event_attributes
    if scheduled.activity_type.name != AIMAESTRO_ACTIVITY:
        return False
    return bool(json.loads(scheduled.input.payloads[0].data).get("key") == key)


async def notification_timeline(
    client: Client,
    kind: str,
    workflow_id: str,
    *,
    key: str,
    sent: float,
    acked: float,
    recorded: float | None,
    received: float | None,
) -> Timeline:
    """The hops of the notification `key` sent by the workflow `workflow_id`."""
    line = Timeline(kind)
    line.add("sent", sent)
    line.add("acked", acked)
    events = await _events(client, workflow_id)
    first = events[0].workflow_execution_started_event_attributes
    parent = first.parent_workflow_execution
    if parent.workflow_id:
        parents = await _events(client, parent.workflow_id, parent.run_id)
        initiated = next(
            i
            for i, e in enumerate(parents)
            if e.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED
            and e.start_child_workflow_execution_initiated_event_attributes.workflow_id
            == workflow_id
        )
        trigger, scheduled, started, completed = _task_before(parents, initiated)
        line.add("parent told", _t(trigger) if trigger else None)
        line.add("parent task scheduled", _t(scheduled))
        line.add("parent task picked up", _t(started))
        line.add("parent task done (child requested)", _t(completed))
    task = next((i for i, e in enumerate(events) if _sends_to_maestro(e, key)), None)
    if task is None or parent.workflow_id:
        line.add("workflow started", _t(events[0]))
    if task is not None:
        trigger, scheduled, started, completed = _task_before(events, task)
        if not parent.workflow_id:
            started_by = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
            direct = trigger is not None and trigger.event_type == started_by
            told = "workflow started" if direct else "workflow told (signal)"
            line.add(told, _t(trigger) if trigger else None)
        line.add("task scheduled", _t(scheduled))
        line.add("task picked up", _t(started))
        line.add("recorded", recorded)
        line.add("task done (send scheduled)", _t(completed))
        picked = next(
            (
                e
                for e in events[task:]
                if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
                and e.activity_task_started_event_attributes.scheduled_event_id
                == events[task].event_id
            ),
            None,
        )
        line.add("send picked up", _t(picked) if picked else None)
    line.add("AI Maestro received", received)
    return line


def summarize(lines: list[Timeline]) -> dict[str, list[dict[str, Any]]]:
    """Per kind: each hop's p50 and p90 (ms) over the notifications that had it."""
    by_kind: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    order: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        for hop, ms in line.hops():
            if hop not in order[line.kind]:
                order[line.kind].append(hop)
            by_kind[line.kind][hop].append(ms)
    out: dict[str, list[dict[str, Any]]] = {}
    for kind, hops in by_kind.items():
        rows = []
        for hop in order[kind]:
            values = sorted(hops[hop])
            rows.append(
                {
                    "hop": hop,
                    "n": len(values),
                    "p50_ms": values[len(values) // 2],
                    "p90_ms": values[min(len(values) - 1, int(len(values) * 0.9))],
                }
            )
        out[kind] = rows
    return out


def render(summary: dict[str, list[dict[str, Any]]]) -> str:
    lines = ["| kind | hop | n | p50 ms | p90 ms |", "|---|---|---|---|---|"]
    for kind, rows in summary.items():
        for r in rows:
            lines.append(
                f"| {kind} | {r['hop']} | {r['n']} | {r['p50_ms']:.0f} | {r['p90_ms']:.0f} |"
            )
    return "\n".join(lines)
