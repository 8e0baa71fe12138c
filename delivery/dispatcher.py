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
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.orm import defer
from sqlmodel import col, select
from temporalio.client import Client

from contract.actions import DispatchAction
from contract.names import NOTIFY_QUEUE_WORKFLOWS
from contract.statuses import DispatchStatus
from db.engine import SessionFactory
from db.models import WebhookEvent
from db.writers import WriterConnections
from delivery.dispatch_rows import (
    count_failed_attempt,
    due_ids,
    judge_failure,
    mark_dispatched,
    mark_started,
    release_backoffs,
)
from delivery.group_commit import GroupCommit
from delivery.temporal_calls import Result, backoff, is_permanent, is_unreachable, run_action
from ops.log_context import bind, log_context

log = logging.getLogger("hookflow.dispatch")

__all__ = ["ClientProvider", "Dispatcher", "Result", "backoff", "is_permanent", "run_action"]

ClientProvider = Callable[[], Awaitable[Client]]
# While Temporal is unreachable the loop asks it this often whether it is back (a health check).
RECOVERY_CHECK = 0.5
# What starting a plan never reads: left in the database (a payload is up to 25 MB).
_NOT_NEEDED = (
    defer(WebhookEvent.payload),  # type: ignore[arg-type]
    defer(WebhookEvent.payload_raw),  # type: ignore[arg-type]
    defer(WebhookEvent.response),  # type: ignore[arg-type]
)


class Dispatcher:
    """Replays pending deliveries' plans against Temporal."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        client: ClientProvider,
        task_queue: str,
        notify_task_queue: str | None = None,
        interval: float = 2.0,
        max_attempts: int = 50,
        max_age: timedelta = timedelta(days=3),
        concurrency: int = 32,
        on_attempt: Callable[[bool], None] | None = None,
        inline_timeout: float = 3.0,
        inline_limit: int = 64,
        inline_queue_limit: int = 1024,
        writers: WriterConnections | None = None,
    ) -> None:
        self._on_attempt = on_attempt or (lambda ok: None)  # metrics: started | failed
        self._sessions = sessions
        self._client = client
        self._task_queue = task_queue
        self._notify_task_queue = notify_task_queue or task_queue
        self._interval = interval
        self._max_attempts = max_attempts
        self._max_age = max_age
        self._concurrency = concurrency
        self._wake = asyncio.Event()
        self._unreachable = False  # a start failed because Temporal was away (is_unreachable)
        self._checked_at = 0.0  # the last health check while it was away (monotonic)
        self._inflight: set[asyncio.Task[None]] = set()
        # Rows this process's requests are starting (or waiting to): the loop leaves them be,
        # however long a burst keeps them queued (a second start would only cost Temporal).
        self._inline: set[uuid.UUID] = set()
        # Rows younger than this are the request's own to start (see dispatch_soon).
        self._inline_timeout = inline_timeout
        self._inline_slots = asyncio.Semaphore(inline_limit)
        # More requests' starts waiting than this (a burst): the rest are the loop's, read back
        # in batches, instead of a task and its plan per delivery held in memory meanwhile.
        self._inline_queue_limit = inline_queue_limit
        self._writers = writers  # the group commit's connections: marks in one round trip
        self._marks: GroupCommit[uuid.UUID, None] = GroupCommit(
            self._mark_dispatched, window=0.005, max_batch=256
        )

    def task_queue_of(self, action: DispatchAction) -> str:
        """Notification workflows start on their own queue (their own worker capacity)."""
        if action.workflow in NOTIFY_QUEUE_WORKFLOWS:
            return self._notify_task_queue
        return self._task_queue

    async def dispatch(self, event_id: uuid.UUID) -> bool:
        """Try to finish one delivery's plan; True when everything went through."""
        return await self.attempt(event_id) == Result.DONE

    async def attempt(self, event_id: uuid.UUID) -> Result:
        results = await self.attempt_rows([event_id], bind_caller=True)
        return results.get(event_id, Result.SKIPPED)

    async def attempt_rows(
        self, event_ids: list[uuid.UUID], *, bind_caller: bool = False
    ) -> dict[uuid.UUID, Result]:
        """Finish the plans of these deliveries: their rows locked and read in one statement
        (not the payloads), the Temporal calls `concurrency` at a time, the outcomes written
        in one commit. Rows another dispatcher holds are skipped (absent from the result)."""
        results: dict[uuid.UUID, Result] = {}
        async with self._sessions() as session:
            query = (
                select(WebhookEvent)
                .options(*_NOT_NEEDED)
                .where(col(WebhookEvent.id).in_(event_ids))
            )
            if session.bind.dialect.name == "postgresql":
                # Two dispatchers (the request and the loop, or two replicas) never race.
                query = query.with_for_update(skip_locked=True)
            todo = []
            for row in (await session.exec(query)).all():
                if row.dispatch_status == DispatchStatus.PENDING:
                    todo.append(row)
                else:
                    done = row.dispatch_status == DispatchStatus.DISPATCHED
                    results[row.id] = Result.DONE if done else Result.SKIPPED
            if bind_caller and todo:
                bind(delivery_id=todo[0].delivery_id)
            gate = asyncio.Semaphore(self._concurrency)

            async def start(row: WebhookEvent) -> tuple[list[DispatchAction], Exception | None]:
                async with gate:
                    with log_context(delivery_id=row.delivery_id):
                        return await self._start_plan(row)

            outcomes = await asyncio.gather(*(start(row) for row in todo))
            for row, (plan, exc) in zip(todo, outcomes, strict=True):
                if exc is None:
                    mark_started(row)
                    session.add(row)
                    results[row.id] = Result.DONE
                    log.info("delivery %s: started %s", row.delivery_id, row.workflow_ids)
                else:
                    self._unreachable = self._unreachable or is_unreachable(exc)
                    results[row.id] = await judge_failure(
                        session,
                        row,
                        plan,
                        exc,
                        interval=self._interval,
                        max_attempts=self._max_attempts,
                        max_age=self._max_age,
                    )
                self._on_attempt(exc is None)
            await session.commit()
        return results

    async def _start_plan(self, row: WebhookEvent) -> tuple[list[DispatchAction], Exception | None]:
        """The row's remaining actions, in order; progress is kept on the row."""
        row.dispatch_attempts += 1
        plan: list[DispatchAction] = []
        try:
            plan = [DispatchAction.from_json(a) for a in row.dispatch_plan]
            client = await self._client()
            while row.dispatch_progress < len(plan):
                action = plan[row.dispatch_progress]
                await run_action(client, action, self.task_queue_of(action))
                row.dispatch_progress += 1
        except Exception as exc:  # noqa: BLE001 - classified: retried later or failed
            return plan, exc
        return plan, None

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
        if len(self._inline) >= self._inline_queue_limit:
            return  # committed and pending: the loop starts it once it is no longer young

        async def attempt() -> None:
            try:
                # asyncio.timeout, not wait_for: no second task per delivery.
                async with self._inline_slots, asyncio.timeout(limit):
                    done = await self._dispatch_inline(event_id, plan)
            except Exception as exc:  # noqa: BLE001 - still pending in the DB; the loop retries
                self._on_attempt(False)
                log.warning("delivery row %s: dispatch deferred to the loop", event_id)
                await self._defer(event_id, exc)
                return
            if not done:
                self.wake()

        task = asyncio.create_task(attempt())
        self._inflight.add(task)
        self._inline.add(event_id)

        def finished(task: asyncio.Task[None]) -> None:
            self._inflight.discard(task)
            self._inline.discard(event_id)

        task.add_done_callback(finished)

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
            await run_action(client, action, self.task_queue_of(action))
        await self._marks.submit(event_id)
        self._on_attempt(True)
        if log.isEnabledFor(logging.INFO):
            log.info("started %s", [a.workflow_id for a in plan])
        return True

    async def _mark_dispatched(self, event_ids: list[uuid.UUID]) -> list[None]:
        return await mark_dispatched(self._sessions, event_ids, self._writers)

    async def _defer(self, event_id: uuid.UUID, exc: BaseException) -> None:
        self._unreachable = self._unreachable or is_unreachable(exc)
        await count_failed_attempt(self._sessions, event_id, exc)
        self.wake()

    async def _recovered(self) -> bool:
        """Whether Temporal, unreachable before, answers again; if so, what waited out a
        backoff meanwhile is due at once (not up to BACKOFF_CAP after the outage)."""
        if time.monotonic() - self._checked_at < RECOVERY_CHECK:
            return False  # every failed request wakes the loop: one check per RECOVERY_CHECK
        self._checked_at = time.monotonic()
        try:
            client = await self._client()
            if not await client.service_client.check_health(timeout=timedelta(seconds=1)):
                return False
        except Exception:  # noqa: BLE001 - still away
            return False
        self._unreachable = False
        released = await release_backoffs(self._sessions)
        log.info("Temporal answers again: %d deliveries waiting out a backoff are due", released)
        return True

    async def pending_ids(self, limit: int = 100) -> list[uuid.UUID]:
        """Pending deliveries whose backoff has passed, least-tried first."""
        return await due_ids(self._sessions, inline_timeout=self._inline_timeout, limit=limit)

    async def run_once(self, limit: int = 100) -> int:
        """One pass over due deliveries; returns how many were looked at."""
        if self._unreachable and not await self._recovered():
            return 0
        ids = [i for i in await self.pending_ids(limit) if i not in self._inline]
        if not ids:
            return 0
        # One probe first: while Temporal is down, one attempt per tick is enough.
        if await self.attempt(ids[0]) == Result.RETRY:
            return 0
        with log_context(delivery_id=None):  # each row's id stays on its own lines
            await self.attempt_rows(ids[1:])
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
            # While Temporal is away, its return is noticed within RECOVERY_CHECK.
            pause = min(self._interval, RECOVERY_CHECK) if self._unreachable else self._interval
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=pause)
            self._wake.clear()
