"""Group-committed recording of deliveries: concurrent requests share one statement and commit.

The common case only: a new delivery, and for `ai:run` an issue without an active run. The
rest (a redelivery, an issue whose run is still active, a row PostgreSQL refuses) is handed
back to record.py's one-delivery path, which knows how to answer each. A request is
answered only after its batch committed, so every 2xx is still a committed row.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError, OperationalError

from db.models import Run, WebhookEvent
from db.writers import WriterConnections
from delivery.group_commit import GroupCommit
from delivery.row import Outcome, StoredBody, event_row
from routing.decision import Delivery, RouteDecision
from runs.admission import ACTIVE_RUN_CONFLICT, one_run_per_issue, received_run_values

log = logging.getLogger("hookflow.ingest")

_EVENTS = WebhookEvent.__table__  # type: ignore[attr-defined]
_RUNS = Run.__table__  # type: ignore[attr-defined]
# The columns a recorded delivery and its run fill in, in the order the statement takes them.
_EVENT_COLUMNS = [c for c in _EVENTS.columns if c.name not in ("next_attempt_at", "dispatched_at")]
_RUN_COLUMNS = list(_RUNS.columns)


def _array_type(column: Any) -> str:
    """The array a column's values travel in: text for strings and JSON (JSON is cast per
    row, so a payload goes to PostgreSQL as the text GitHub sent, parsed only there)."""
    if isinstance(column.type, JSON | String):
        return "text[]"
    return f"{column.type.compile(dialect=postgresql.dialect())}[]"  # type: ignore[no-untyped-call]


def _select(columns: list[Any], prefix: str = "") -> str:
    return ", ".join(
        f"{prefix}{c.name}::jsonb" if isinstance(c.type, JSON) else f"{prefix}{c.name}"
        for c in columns
    )


def _batch_statement(*, runs: bool) -> str:
    """One statement of constant shape whatever the batch size (an array per column), so
    each connection prepares it once; run on its own, it is its own transaction.

    With `runs`, a delivery that would start a run for an issue with an active one is left
    out (the one-delivery path attaches it). A redelivery is left out by the conflict."""
    # Binary parameters (%b): a text array would escape every quote of every payload.
    arrays = [f"%(e_{c.name})b::{_array_type(c)}" for c in _EVENT_COLUMNS]
    names = [f"e_{c.name}" for c in _EVENT_COLUMNS]
    if runs:
        arrays += [f"%(r_{c.name})b::{_array_type(c)}" for c in _RUN_COLUMNS]
        names += [f"r_{c.name}" for c in _RUN_COLUMNS]
    blocked = f"""
    WHERE e_dedupe_key NOT IN ({ACTIVE_RUN_CONFLICT})"""
    new_runs = f""", new_runs AS (
    INSERT INTO runs ({", ".join(c.name for c in _RUN_COLUMNS)})
    SELECT {_select(_RUN_COLUMNS, "r_")} FROM batch JOIN events ON events.id = e_id
    WHERE r_id IS NOT NULL
)"""
    return f"""
WITH batch AS (
    SELECT * FROM unnest({", ".join(arrays)}) AS b({", ".join(names)})
), events AS (
    INSERT INTO webhook_events ({", ".join(c.name for c in _EVENT_COLUMNS)})
    SELECT {_select(_EVENT_COLUMNS, "e_")} FROM batch{blocked if runs else ""}
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id
){new_runs if runs else ""}
SELECT id FROM events"""


_EVENTS_ONLY = _batch_statement(runs=False)
_WITH_RUNS = _batch_statement(runs=True)


@dataclass
class _Item:
    event: dict[str, Any]  # the webhook_events row, JSON columns as text
    run: dict[str, Any] | None  # the runs row, for an ai:run delivery


def _connection_trouble(exc: BaseException) -> bool:
    """The database is away: no point writing items one by one, every request gets a 503."""
    return isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def _as_text(value: Any) -> str:
    return json.dumps(value)


class IngestBatch:
    """Record deliveries in batches gathered for at most `window` seconds."""

    def __init__(
        self, database_url: str, *, window: float = 0.002, max_batch: int = 64, writers: int = 2
    ) -> None:
        # Shared with the dispatcher's marks (one round trip each, no session).
        self.connections = WriterConnections(database_url)
        # Requests being received (delivery/receive.py): once all of them have submitted, the
        # batch goes without waiting out the window (a lone delivery never waits for company).
        self._receiving = 0
        self._commit: GroupCommit[_Item, bool] = GroupCommit(
            self._write,
            window=window,
            max_batch=max_batch,
            writers=writers,
            retry_alone=lambda exc: not _connection_trouble(exc),
            complete=lambda items: items >= self._receiving,
        )

    def arrive(self) -> None:
        """A request started receiving a delivery (it may submit soon)."""
        self._receiving += 1

    def leave(self) -> None:
        """That request is done (answered, or it never submitted)."""
        self._receiving -= 1
        self._commit.nudge()

    async def record(
        self,
        delivery: Delivery,
        decision: RouteDecision,
        dedupe_key: str,
        body: StoredBody,
    ) -> Outcome | None:
        """The committed outcome, or None when the one-delivery path must decide."""
        event_id = uuid.uuid4()
        actions = list(decision.actions)
        event = event_row(
            delivery,
            decision,
            event_id=event_id,
            dedupe_key=dedupe_key,
            body_size=body.size,
            actions=actions,
            response=dict(decision.response),
            payload_raw=body.raw,
        )
        response = event["response"]
        event["payload"] = body.text if body.text is not None else _as_text(event["payload"])
        for name in ("dispatch_plan", "workflow_ids", "response"):
            event[name] = _as_text(event[name])
        run = None
        if decision.new_run is not None:
            # Plain values: building the ORM model only to read its columns back cost more.
            values = received_run_values(decision.new_run, delivery.short_id)
            run = {c.name: values.get(c.name) for c in _RUN_COLUMNS}
        try:
            written = await self._commit.submit(_Item(event, run))
        except DBAPIError as exc:
            if _connection_trouble(exc):
                raise
            log.info(
                "delivery %s: batch refused it (%s); recording it alone",
                delivery.short_id,
                type(exc).__name__,
            )
            return None
        if not written:
            return None
        if log.isEnabledFor(logging.INFO):
            log.info(
                "delivery %s: %s %s",
                delivery.short_id,
                delivery.event,
                json.dumps(response, default=str)[:300],
            )
        return Outcome(200, response, event_id, bool(actions), plan=actions)

    def _parameters(self, items: list[_Item], *, runs: bool) -> dict[str, list[Any]]:
        params = {f"e_{c.name}": [item.event[c.name] for item in items] for c in _EVENT_COLUMNS}
        if runs:
            for c in _RUN_COLUMNS:
                params[f"r_{c.name}"] = [
                    item.run[c.name] if item.run is not None else None for item in items
                ]
        return params

    async def _write(self, items: list[_Item]) -> list[bool]:
        """One statement: the events (less those for issues with an active run), their runs."""
        # Two deliveries for one issue in one batch: the later one takes the other path.
        chosen = one_run_per_issue(
            items, lambda item: (item.run["repo"], item.run["issue_number"]) if item.run else None
        )
        runs = any(item.run is not None for item in chosen)
        rows = await self.connections.execute(
            _WITH_RUNS if runs else _EVENTS_ONLY, self._parameters(chosen, runs=runs)
        )
        inserted = {row[0] for row in rows}
        # By id: of two copies of one delivery in a batch, only the row that won says yes.
        return [item.event["id"] in inserted for item in items]

    async def close(self) -> None:
        await self._commit.close()
        await self.connections.close()
