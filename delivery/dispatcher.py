"""Start what a recorded delivery asks of Temporal, now or, if Temporal is down, later.

The delivery row (committed before the reply) holds the plan; this module replays it until
every action went through. Workflow IDs are business keys with REJECT_DUPLICATE, so a replay
after a crash or a lost DB update never starts anything twice. What Temporal will never accept
(invalid argument, size limits) ends the delivery as `failed` at once; transient errors back
off exponentially until DISPATCH_MAX_ATTEMPTS or DISPATCH_MAX_AGE.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta

from sqlalchemy import func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from contract.actions import DispatchAction
from contract.statuses import DispatchStatus
from db.engine import SessionFactory
from db.models import WebhookEvent
from db.types import utcnow
from delivery.group_commit import GroupCommit
from delivery.temporal_calls import Result, backoff, give_up_reason, is_permanent, run_action
from ops.log_context import bind, log_context
from routing.fields import clip
from runs.admission import fail_unstarted_runs, unstarted_runs

log = logging.getLogger("hookflow.dispatch")

__all__ = ["ClientProvider", "Dispatcher", "Result", "backoff", "is_permanent", "run_action"]

ClientProvider = Callable[[], Awaitable[Client]]


class Dispatcher:
    """Replays pending deliveries' plans against Temporal."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        client: ClientProvider,
        task_queue: str,
        interval: float = 2.0,
        max_attempts: int = 50,
        max_age: timedelta = timedelta(days=3),
        concurrency: int = 8,
        on_attempt: Callable[[bool], None] | None = None,
        inline_timeout: float = 3.0,
        inline_limit: int = 64,
    ) -> None:
        self._on_attempt = on_attempt or (lambda ok: None)  # metrics: started | failed
        self._sessions = sessions
        self._client = client
        self._task_queue = task_queue
        self._interval = interval
        self._max_attempts = max_attempts
        self._max_age = max_age
        self._concurrency = concurrency
        self._wake = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        # Rows younger than this are the request's own to start (see dispatch_soon).
        self._inline_timeout = inline_timeout
        self._inline_slots = asyncio.Semaphore(inline_limit)
        self._marks: GroupCommit[uuid.UUID, None] = GroupCommit(
            self._mark_dispatched, window=0.005, max_batch=256
        )

    async def dispatch(self, event_id: uuid.UUID) -> bool:
        """Try to finish one delivery's plan; True when everything went through."""
        return await self.attempt(event_id) == Result.DONE

    async def attempt(self, event_id: uuid.UUID) -> Result:
        async with self._sessions() as session:
            query = select(WebhookEvent).where(WebhookEvent.id == event_id)
            if session.bind.dialect.name == "postgresql":
                # Two dispatchers (the request and the loop, or two replicas) never race.
                query = query.with_for_update(skip_locked=True)
            row = (await session.exec(query)).first()
            bind(delivery_id=row.delivery_id if row else None)
            if row is None or row.dispatch_status != DispatchStatus.PENDING:
                done = row is not None and row.dispatch_status == DispatchStatus.DISPATCHED
                return Result.DONE if done else Result.SKIPPED
            row.dispatch_attempts += 1
            plan: list[DispatchAction] = []
            try:
                plan = [DispatchAction.from_json(a) for a in row.dispatch_plan]
                client = await self._client()
                while row.dispatch_progress < len(plan):
                    await run_action(client, plan[row.dispatch_progress], self._task_queue)
                    row.dispatch_progress += 1
            except Exception as exc:  # noqa: BLE001 - classified: retried later or failed
                self._on_attempt(False)
                return await self._attempt_failed(session, row, plan, exc)
            row.dispatch_status = DispatchStatus.DISPATCHED
            row.dispatched_at = utcnow()
            row.next_attempt_at = None
            row.error = None
            session.add(row)
            await session.commit()
            log.info("delivery %s: started %s", row.delivery_id, row.workflow_ids)
            self._on_attempt(True)
            return Result.DONE

    async def _attempt_failed(
        self,
        session: AsyncSession,
        row: WebhookEvent,
        plan: list[DispatchAction],
        exc: Exception,
    ) -> Result:
        reason = clip(f"{type(exc).__name__}: {exc}", 1900)
        now = utcnow()
        age = now - row.processed_at.replace(tzinfo=UTC)
        why = give_up_reason(exc, row.dispatch_attempts, self._max_attempts, age, self._max_age)
        if why is None:
            row.error = f"dispatch failed (attempt {row.dispatch_attempts}): {reason}"
            row.next_attempt_at = now + backoff(row.dispatch_attempts, self._interval)
            log.warning(
                "delivery %s: dispatch failed (attempt %d): %s",
                row.delivery_id,
                row.dispatch_attempts,
                reason,
            )
            session.add(row)
            await session.commit()
            return Result.RETRY
        row.dispatch_status = DispatchStatus.FAILED
        row.next_attempt_at = None
        row.error = f"dispatch failed for good ({why}): {reason}"
        session.add(row)
        unstarted = unstarted_runs(plan[row.dispatch_progress :])
        await fail_unstarted_runs(session, unstarted, row.error)
        await session.commit()
        log.error("delivery %s: %s", row.delivery_id, row.error)
        return Result.FAILED

    def wake(self) -> None:
        self._wake.set()

    async def dispatch_within(self, event_id: uuid.UUID, seconds: float) -> bool:
        """Start a stored plan now, for callers that answer after it (replay, hand-started
        runs); if Temporal does not answer in time the row stays pending for the loop."""
        try:
            done = await asyncio.wait_for(self.dispatch(event_id), timeout=seconds)
        except Exception:  # noqa: BLE001 - still pending in the database; the loop retries
            done = False
        if not done:
            self.wake()
        return done

    def dispatch_soon(
        self,
        event_id: uuid.UUID,
        timeout: float | None = None,
        plan: list[DispatchAction] | None = None,
    ) -> None:
        """Start a just-recorded delivery's plan after the reply has gone out (GitHub waits
        for nobody); if it cannot finish within the inline timeout, the loop takes over."""
        limit = self._inline_timeout if timeout is None else timeout

        async def attempt() -> None:
            try:
                async with self._inline_slots:
                    done = await asyncio.wait_for(
                        self._dispatch_inline(event_id, plan), timeout=limit
                    )
            except Exception as exc:  # noqa: BLE001 - still pending in the DB; the loop retries
                self._on_attempt(False)
                log.warning("delivery row %s: dispatch deferred to the loop", event_id)
                await self._defer(event_id, exc)
                return
            if not done:
                self.wake()

        task = asyncio.create_task(attempt())
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def _dispatch_inline(
        self, event_id: uuid.UUID, plan: list[DispatchAction] | None
    ) -> bool:
        """The request's own attempt: no row lock and no pooled connection are held across
        the Temporal calls (they are what a burst waits on). The loop leaves young pending
        rows alone (pending_ids), and workflow ids make a repeat harmless anyway."""
        if plan is None:
            async with self._sessions() as session:
                row = await session.get(WebhookEvent, event_id)
                if row is None or row.dispatch_status != DispatchStatus.PENDING:
                    return row is not None
                plan = [DispatchAction.from_json(a) for a in row.dispatch_plan]
        client = await self._client()
        for action in plan:
            await run_action(client, action, self._task_queue)
        await self._marks.submit(event_id)
        self._on_attempt(True)
        log.info("started %s", [a.workflow_id for a in plan])
        return True

    async def _mark_dispatched(self, event_ids: list[uuid.UUID]) -> list[None]:
        """One UPDATE for every delivery whose plan went through meanwhile."""
        table = WebhookEvent.__table__  # type: ignore[attr-defined]
        async with self._sessions() as session:
            postgres = session.bind.dialect.name == "postgresql"
            length = func.jsonb_array_length if postgres else func.json_array_length
            await session.execute(
                update(table)
                .where(table.c.id.in_(event_ids), table.c.dispatch_status == DispatchStatus.PENDING)
                .values(
                    dispatch_status=DispatchStatus.DISPATCHED,
                    dispatched_at=utcnow(),
                    dispatch_progress=length(table.c.dispatch_plan),
                    dispatch_attempts=table.c.dispatch_attempts + 1,
                    error=None,
                )
            )
            await session.commit()
        return [None] * len(event_ids)

    async def _defer(self, event_id: uuid.UUID, exc: BaseException) -> None:
        """Count the failed inline attempt so the loop takes the row at once."""
        try:
            async with self._sessions() as session:
                await session.execute(
                    update(WebhookEvent)
                    .where(
                        col(WebhookEvent.id) == event_id,
                        col(WebhookEvent.dispatch_status) == DispatchStatus.PENDING,
                    )
                    .values(
                        dispatch_attempts=col(WebhookEvent.dispatch_attempts) + 1,
                        error=f"dispatch failed: {type(exc).__name__}: {exc}"[:2000],
                    )
                )
                await session.commit()
        except Exception:  # noqa: BLE001 - the row becomes the loop's once it is old enough
            log.warning("delivery row %s: could not record the failed attempt", event_id)
        self.wake()

    async def pending_ids(self, limit: int = 100) -> list[uuid.UUID]:
        """Pending deliveries whose backoff has passed, least-tried first."""
        async with self._sessions() as session:
            # A young row that no attempt failed yet is still its request's (dispatch_soon).
            young = utcnow().replace(tzinfo=None) - timedelta(seconds=self._inline_timeout + 1)
            query = (
                select(WebhookEvent.id)
                .where(WebhookEvent.dispatch_status == DispatchStatus.PENDING)
                .where(
                    or_(
                        col(WebhookEvent.next_attempt_at).is_(None),
                        col(WebhookEvent.next_attempt_at) <= utcnow(),
                    )
                )
                .where(
                    or_(
                        col(WebhookEvent.dispatch_attempts) > 0,
                        col(WebhookEvent.processed_at) < young,
                        # Due now: recorded outside the API (/hookflow run): no inline start.
                        col(WebhookEvent.next_attempt_at).is_not(None),
                    )
                )
                .order_by(col(WebhookEvent.dispatch_attempts), col(WebhookEvent.processed_at))
                .limit(limit)
            )
            return list((await session.exec(query)).all())

    async def run_once(self, limit: int = 100) -> int:
        """One pass over due deliveries; returns how many were looked at."""
        ids = await self.pending_ids(limit)
        if not ids:
            return 0
        # One probe first: while Temporal is down, one attempt per tick is enough.
        if await self.attempt(ids[0]) == Result.RETRY:
            return 0
        gate = asyncio.Semaphore(self._concurrency)

        async def one(event_id: uuid.UUID) -> Result:
            async with gate:
                with log_context(delivery_id=None):  # each row's id stays on its own lines
                    return await self.attempt(event_id)

        await asyncio.gather(*(one(i) for i in ids[1:]))
        return len(ids)

    async def run_forever(self) -> None:
        while True:
            looked_at = 0
            try:
                looked_at = await self.run_once()
            except Exception:  # noqa: BLE001 - e.g. database down; keep the loop alive
                log.warning("dispatcher tick failed", exc_info=True)
            if looked_at >= 100:
                continue  # a backlog (e.g. after an outage): no pause between batches
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            self._wake.clear()
