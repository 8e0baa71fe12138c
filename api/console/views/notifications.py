"""A notification as the list shows it: its receivers with their status, one overall status,
its labels (Alertmanager's vocabulary) and the matchers a "Silence similar…" starts from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LABELS = ("type", "priority", "repo", "branch", "workflow", "event", "action", "sender")
# The overall status is the most telling of the receivers': a failure first, then why it was
# held back, then what is still under way.
_ORDER = ("failed", "silenced", "muted", "held", "retrying", "pending", "sent")


@dataclass(frozen=True)
class Receiver:
    name: str
    status: str
    error: str | None


def receivers(sink_status: Any) -> list[Receiver]:
    if not isinstance(sink_status, dict):
        return []
    found = []
    for name, state in sorted(sink_status.items()):
        state = state if isinstance(state, dict) else {}
        error = state.get("error")
        status = str(state.get("status") or "pending")
        found.append(Receiver(str(name), status, str(error) if error else None))
    return found


def overall_status(found: list[Receiver]) -> str:
    statuses = {r.status for r in found}
    for status in _ORDER:
        if status in statuses:
            return status
    return next(iter(sorted(statuses)), "recorded")


def labels(
    details: Any, *, type_: str, priority: str, repo: str | None, event: str
) -> dict[str, str]:
    """The notification's labels: the row's columns, then what its details carry."""
    values = {"type": type_, "priority": priority, "repo": repo or "", "event": event}
    if isinstance(details, dict):
        for name in LABELS:
            value = details.get(name)
            if name not in values or not values[name]:
                values[name] = str(value) if isinstance(value, str | int) and value != "" else ""
    return {name: values[name] for name in LABELS if values.get(name)}


def matcher(name: str, value: str) -> str:
    """An equality matcher in Alertmanager's syntax, the value quoted and escaped."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'{name}="{escaped}"'


def silence_matchers(found: dict[str, str]) -> list[str]:
    return [matcher(name, value) for name, value in found.items()]
