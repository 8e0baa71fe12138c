"""Group commit: requests gathered for a few milliseconds share one INSERT and one commit.

Each caller awaits its own item's result, which is only set after the batch's transaction
committed, so "answered" still means "durable". A batch that fails is retried item by item,
so one bad row (say, a payload PostgreSQL refuses) fails only its own request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger("hookflow.batch")

T = TypeVar("T")
R = TypeVar("R")
BatchWrite = Callable[[list[T]], Awaitable[list[R]]]


class GroupCommit(Generic[T, R]):
    """Calls `write(batch)` with up to `max_batch` items gathered for at most `window` s.

    `write` returns one result per item, in order, after its commit. Up to `writers` batches
    are written concurrently (each on its own connection) while the next one gathers.
    `complete(items)`, given the items queued or being written, may say that no other item is
    on its way (every request in flight has submitted): the batch is written at once instead
    of waiting out the window.
    """

    def __init__(
        self,
        write: BatchWrite[T, R],
        *,
        window: float = 0.002,
        max_batch: int = 128,
        writers: int = 2,
        retry_alone: Callable[[BaseException], bool] | None = None,
        complete: Callable[[int], bool] | None = None,
    ) -> None:
        self._write = write
        self._complete = complete or (lambda queued: False)
        self._window = window
        self._max_batch = max_batch
        self._slots = asyncio.Semaphore(writers)
        self._retry_alone = retry_alone or (lambda exc: True)
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._gathering: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._full = asyncio.Event()
        self._writing = 0  # items in batches being written

    async def submit(self, item: T) -> R:
        """Queue one item and wait until it is committed (or its write failed)."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        self.nudge()
        if self._gathering is None:
            self._gathering = self._spawn(self._gather())
        return await future

    def nudge(self) -> None:
        """Write the gathering batch now if it is full or nothing else is on its way."""
        queued = len(self._queue)
        if queued and (queued >= self._max_batch or self._complete(queued + self._writing)):
            self._full.set()

    def _spawn(self, coro: Awaitable[None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _gather(self) -> None:
        # Waiting for a free writer first means a busy database gathers bigger batches.
        await self._slots.acquire()
        try:
            if self._window > 0 and not self._full.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), timeout=self._window)
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            self._writing += len(batch)
            self._full.clear()
            self.nudge()  # what is left may be full or complete already
        except BaseException:
            self._slots.release()
            raise
        finally:
            self._gathering = None
            if self._queue:
                self._gathering = self._spawn(self._gather())
        self._spawn(self._flush(batch))

    async def _flush(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            try:
                results = await self._write([item for item, _ in batch])
            except Exception as exc:  # noqa: BLE001 - handed to the waiting requests below
                if len(batch) == 1 or not self._retry_alone(exc):
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    return
                log.warning(
                    "batch of %d failed (%s); writing its items one by one",
                    len(batch),
                    type(exc).__name__,
                )
                for item, future in batch:
                    await self._write_alone(item, future)
                return
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
        finally:
            self._writing -= len(batch)
            self._slots.release()

    async def _write_alone(self, item: T, future: asyncio.Future[R]) -> None:
        try:
            [result] = await self._write([item])
        except Exception as exc:  # noqa: BLE001 - this request's own failure
            if not future.done():
                future.set_exception(exc)
            return
        if not future.done():
            future.set_result(result)

    async def close(self) -> None:
        """Wait for the batches in flight (new submits are the caller's to stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
