"""Start what a recorded delivery asks of Temporal, now or, if Temporal is down, later.

The delivery row (committed before the reply) holds the plan; this module replays it until
every action went through. Workflow IDs are business keys with REJECT_DUPLICATE, so a replay
after a crash or a lost DB update never starts anything twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import func, or_, update
from sqlmodel import col, select
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.batch_writer import GroupCommit
from db.engine import SessionFactory
from db.models import WebhookEvent
from db.types import utcnow
from routing.actions import DispatchAction

log = logging.getLogger("hookflow.dispatch")

RPC_TIMEOUT = timedelta(seconds=3)
ClientProvider = Callable[[], Awaitable[Client]]


async def run_action(client: Client, action: DispatchAction, task_queue: str) -> None:
    """Perform one action; already-started / already-finished counts as done."""
    if action.kind == "signal":
        handle: WorkflowHandle[object, object] = client.get_workflow_handle(action.workflow_id)
        try:
            await handle.signal(action.signal or "", action.signal_arg, rpc_timeout=RPC_TIMEOUT)
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND and action.optional:
                log.info("workflow %s not running; signal %s dropped",
                         action.workflow_id, action.signal)
                return
            raise
        return
    kwargs: dict[str, object] = {}
    if action.kind == "signal_with_start":
        kwargs = {
            "start_signal": action.signal,
            "start_signal_args": [action.signal_arg],
            "id_conflict_policy": WorkflowIDConflictPolicy.USE_EXISTING,
            "id_reuse_policy": WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        }
    else:
        kwargs = {"id_reuse_policy": WorkflowIDReusePolicy.REJECT_DUPLICATE}
    try:
        await client.start_workflow(  # type: ignore[call-overload]
            action.workflow,
            action.arg,
            id=action.workflow_id,
            task_queue=task_queue,
            memo=action.memo or None,
            rpc_timeout=RPC_TIMEOUT,
            **kwargs,
        )
    except WorkflowAlreadyStartedError:
        log.info("workflow %s already started", action.workflow_id)


class Dispatcher:
    """Replays pending deliveries' plans against Temporal."""

    def __init__(
        self, *, sessions: SessionFactory, client: ClientProvider, task_queue: str,
        interval: float = 2.0, inline_timeout: float = 3.0, inline_limit: int = 64,
    ) -> None:
        self._sessions = sessions
        self._client = client
        self._task_queue = task_queue
        self._interval = interval
        self._wake = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        # Rows younger than this are the request's own to start (see dispatch_soon).
        self._inline_timeout = inline_timeout
        self._inline_slots = asyncio.Semaphore(inline_limit)
        self._marks: GroupCommit[uuid.UUID, None] = GroupCommit(self._mark_dispatched,
                                                               window=0.005, max_batch=256)

    async def dispatch(self, event_id: uuid.UUID) -> bool:
        """Try to finish one delivery's plan; True when everything went through."""
        async with self._sessions() as session:
            query = select(WebhookEvent).where(WebhookEvent.id == event_id)
            if session.bind.dialect.name == "postgresql":
                # Two dispatchers (the request and the loop, or two replicas) never race.
                query = query.with_for_update(skip_locked=True)
            row = (await session.exec(query)).first()
            if row is None or row.dispatch_status != "pending":
                return row is not None and row.dispatch_status == "dispatched"
            plan = [DispatchAction.from_json(a) for a in row.dispatch_plan]
            row.dispatch_attempts += 1
            try:
                client = await self._client()
                while row.dispatch_progress < len(plan):
                    await run_action(client, plan[row.dispatch_progress], self._task_queue)
                    row.dispatch_progress += 1
            except Exception as exc:  # noqa: BLE001 - any failure leaves it pending for retry
                row.error = f"dispatch failed: {type(exc).__name__}: {exc}"[:2000]
                log.warning("delivery %s: dispatch failed (attempt %d): %s",
                            row.delivery_id, row.dispatch_attempts, exc)
                session.add(row)
                await session.commit()
                return False
            row.dispatch_status = "dispatched"
            row.dispatched_at = utcnow()
            row.error = None
            session.add(row)
            await session.commit()
            log.info("delivery %s: started %s", row.delivery_id, row.workflow_ids)
            return True

    def wake(self) -> None:
        self._wake.set()

    def dispatch_soon(self, event_id: uuid.UUID, timeout: float | None = None,
                      plan: list[DispatchAction] | None = None) -> None:
        """Start a just-recorded delivery's plan after the reply has gone out (GitHub waits
        for nobody); if it cannot finish within the inline timeout, the loop takes over."""
        limit = self._inline_timeout if timeout is None else timeout

        async def attempt() -> None:
            try:
                async with self._inline_slots:
                    done = await asyncio.wait_for(self._dispatch_inline(event_id, plan),
                                                  timeout=limit)
            except Exception as exc:  # noqa: BLE001 - still pending in the DB; the loop retries
                log.warning("delivery row %s: dispatch deferred to the loop", event_id)
                await self._defer(event_id, exc)
                return
            if not done:
                self.wake()

        task = asyncio.create_task(attempt())
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def _dispatch_inline(self, event_id: uuid.UUID,
                               plan: list[DispatchAction] | None) -> bool:
        """The request's own attempt: no row lock and no pooled connection are held across
        the Temporal calls (they are what a burst waits on). The loop leaves young pending
        rows alone (pending_ids), and workflow ids make a repeat harmless anyway."""
        if plan is None:
            async with self._sessions() as session:
                row = await session.get(WebhookEvent, event_id)
                if row is None or row.dispatch_status != "pending":
                    return row is not None
                plan = [DispatchAction.from_json(a) for a in row.dispatch_plan]
        client = await self._client()
        for action in plan:
            await run_action(client, action, self._task_queue)
        await self._marks.submit(event_id)
        return True

    async def _mark_dispatched(self, event_ids: list[uuid.UUID]) -> list[None]:
        """One UPDATE for every delivery whose plan went through meanwhile."""
        table = WebhookEvent.__table__  # type: ignore[attr-defined]
        async with self._sessions() as session:
            postgres = session.bind.dialect.name == "postgresql"
            length = func.jsonb_array_length if postgres else func.json_array_length
            await session.execute(
                update(table)
                .where(table.c.id.in_(event_ids), table.c.dispatch_status == "pending")
                .values(dispatch_status="dispatched", dispatched_at=utcnow(),
                        dispatch_progress=length(table.c.dispatch_plan),
                        dispatch_attempts=table.c.dispatch_attempts + 1, error=None)
            )
            await session.commit()
        return [None] * len(event_ids)

    async def _defer(self, event_id: uuid.UUID, exc: BaseException) -> None:
        """Count the failed inline attempt so the loop takes the row at once."""
        try:
            async with self._sessions() as session:
                await session.execute(
                    update(WebhookEvent)
                    .where(col(WebhookEvent.id) == event_id,
                           col(WebhookEvent.dispatch_status) == "pending")
                    .values(dispatch_attempts=col(WebhookEvent.dispatch_attempts) + 1,
                            error=f"dispatch failed: {type(exc).__name__}: {exc}"[:2000])
                )
                await session.commit()
        except Exception:  # noqa: BLE001 - the row becomes the loop's once it is old enough
            log.warning("delivery row %s: could not record the failed attempt", event_id)
        self.wake()

    async def pending_ids(self, limit: int = 100) -> list[uuid.UUID]:
        async with self._sessions() as session:
            # A young row that no attempt failed yet is still its request's (dispatch_soon).
            young = utcnow().replace(tzinfo=None) - timedelta(seconds=self._inline_timeout + 1)
            query = (
                select(WebhookEvent.id)
                .where(WebhookEvent.dispatch_status == "pending")
                .where(or_(col(WebhookEvent.dispatch_attempts) > 0,
                           col(WebhookEvent.processed_at) < young))
                .order_by(col(WebhookEvent.dispatch_attempts), col(WebhookEvent.processed_at))
                .limit(limit)
            )
            return list((await session.exec(query)).all())

    async def run_once(self) -> int:
        done = 0
        for event_id in await self.pending_ids():
            if await self.dispatch(event_id):
                done += 1
            else:
                break  # Temporal is likely down; the least-tried rows go first next tick
        return done

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # noqa: BLE001 - e.g. database down; keep the loop alive
                log.warning("dispatcher tick failed", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            self._wake.clear()
