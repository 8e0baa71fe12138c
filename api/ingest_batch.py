"""Group-committed recording of deliveries: concurrent requests share one INSERT and commit.

The common case only: a new delivery, and for `ai:run` an issue without an active run. The
rest (a redelivery, an issue whose run is still active, a row PostgreSQL refuses) is handed
back to api/ingest.py's one-delivery path, which knows how to answer each. A request is
answered only after its batch committed, so every 2xx is still a committed row.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from api.batch_writer import GroupCommit
from api.ingest import Outcome, event_row, run_row
from db.active_runs import issues_with_active_runs
from db.models import Run, WebhookEvent
from routing.decision import Delivery, RouteDecision

log = logging.getLogger("hookflow.ingest")

_EVENTS = WebhookEvent.__table__  # type: ignore[attr-defined]
_RUNS = Run.__table__  # type: ignore[attr-defined]
_INSERT_EVENTS = (
    pg_insert(_EVENTS)
    .on_conflict_do_nothing(index_elements=["dedupe_key"])
    .returning(_EVENTS.c.dedupe_key)
)


@dataclass
class _Item:
    event: dict[str, Any]
    run: dict[str, Any] | None  # the runs row, for an ai:run delivery


def _connection_trouble(exc: BaseException) -> bool:
    """The database is away: no point writing items one by one, every request gets a 503."""
    return isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


class IngestBatch:
    """Record deliveries in batches gathered for at most `window` seconds."""

    def __init__(
        self, engine: AsyncEngine, *, window: float = 0.002, max_batch: int = 64, writers: int = 2
    ) -> None:
        self._engine = engine
        self._commit: GroupCommit[_Item, bool] = GroupCommit(
            self._write,
            window=window,
            max_batch=max_batch,
            writers=writers,
            retry_alone=lambda exc: not _connection_trouble(exc),
        )

    async def record(
        self,
        delivery: Delivery,
        decision: RouteDecision,
        dedupe_key: str,
        body_size: int,
        payload_raw: bytes | None = None,
    ) -> Outcome | None:
        """The committed outcome, or None when the one-delivery path must decide."""
        event_id = uuid.uuid4()
        actions = list(decision.actions)
        event = event_row(
            delivery,
            decision,
            event_id=event_id,
            dedupe_key=dedupe_key,
            body_size=body_size,
            actions=actions,
            response=dict(decision.response),
            payload_raw=payload_raw,
        )
        run = None
        if decision.new_run is not None:
            model = run_row(decision.new_run, delivery)
            run = {c.name: getattr(model, c.name) for c in _RUNS.columns}
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
                json.dumps(decision.response, default=str)[:300],
            )
        return Outcome(200, event["response"], event_id, bool(actions), plan=actions)

    async def _write(self, items: list[_Item]) -> list[bool]:
        """One transaction: skip issues with an active run, insert events, then their runs."""
        async with self._engine.begin() as conn:
            blocked = await issues_with_active_runs(
                conn,
                {
                    (item.run["repo"], item.run["issue_number"])
                    for item in items
                    if item.run is not None
                },
            )
            keep = [
                i
                for i, item in enumerate(items)
                if item.run is None or (item.run["repo"], item.run["issue_number"]) not in blocked
            ]
            # Two deliveries for one issue in one batch: the later one takes the other path.
            seen: set[tuple[str, int]] = set()
            chosen: list[int] = []
            for i in keep:
                run = items[i].run
                if run is not None:
                    issue = (run["repo"], run["issue_number"])
                    if issue in seen:
                        continue
                    seen.add(issue)
                chosen.append(i)
            inserted: set[str] = set()
            if chosen:
                result = await conn.execute(_INSERT_EVENTS, [items[i].event for i in chosen])
                inserted = {row[0] for row in result}
            runs = [
                run
                for i in chosen
                if (run := items[i].run) is not None and items[i].event["dedupe_key"] in inserted
            ]
            if runs:
                await conn.execute(_RUNS.insert(), runs)
        return [i in chosen and items[i].event["dedupe_key"] in inserted for i in range(len(items))]

    async def close(self) -> None:
        await self._commit.close()
