"""What a log line is about (delivery id, run id, workflow id), carried by contextvars.

Set once where the id becomes known; every line logged below it, including in tasks started
from there, carries it. `ContextFilter` copies the ids onto each record.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar, Token

from temporalio import activity

FIELDS = ("delivery_id", "run_id", "workflow_id")
_VARS: dict[str, ContextVar[str | None]] = {
    name: ContextVar(f"hookflow_{name}", default=None) for name in FIELDS
}


def bind(**ids: str | None) -> list[tuple[str, Token[str | None]]]:
    """Set ids for the current context; returns tokens for `unbind`."""
    return [(name, _VARS[name].set(value)) for name, value in ids.items() if name in _VARS]


def unbind(tokens: list[tuple[str, Token[str | None]]]) -> None:
    for name, token in reversed(tokens):
        _VARS[name].reset(token)


@contextlib.contextmanager
def log_context(**ids: str | None) -> Iterator[None]:
    """Ids for every line logged inside the block (and tasks it starts)."""
    tokens = bind(**ids)
    try:
        yield
    finally:
        unbind(tokens)


def current() -> dict[str, str]:
    return {name: value for name, var in _VARS.items() if (value := var.get())}


def _temporal_ids() -> dict[str, str]:
    """Workflow and run id of the activity this line is logged from, if any."""
    if not activity.in_activity():
        return {}
    info = activity.info()
    return {"workflow_id": info.workflow_id or "", "run_id": info.workflow_run_id or ""}


class ContextFilter(logging.Filter):
    """Puts the current ids on every record (empty string when unknown)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # temporalio's workflow logger puts the workflow's ids on the record itself.
        workflow = getattr(record, "temporal_workflow", None)
        known = workflow if isinstance(workflow, dict) else _temporal_ids()
        ids = {**known, **current()}
        for name in FIELDS:
            if not getattr(record, name, None):
                setattr(record, name, ids.get(name, ""))
        return True
