"""Several Temporal workers run as one: the main task queue's and the notification queue's
(worker.py), started, run and shut down together."""

from __future__ import annotations

import asyncio
from types import TracebackType

from temporalio.worker import Worker


class WorkerSet:
    """`async with` and `run()` like a temporalio Worker, for every worker it holds."""

    def __init__(self, workers: list[Worker]) -> None:
        self.workers = workers

    @property
    def task_queue(self) -> str:
        """The main task queue (the first worker's)."""
        return self.workers[0].task_queue

    async def run(self) -> None:
        """Run every worker until one stops (then shut the others down too)."""
        tasks = [asyncio.create_task(w.run()) for w in self.workers]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            await self.shutdown()
            results = await asyncio.gather(*tasks, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                raise result

    async def shutdown(self) -> None:
        await asyncio.gather(*(w.shutdown() for w in self.workers if w.is_running))

    async def __aenter__(self) -> WorkerSet:
        entered: list[Worker] = []
        try:
            for worker in self.workers:
                await worker.__aenter__()
                entered.append(worker)
        except BaseException:
            for worker in reversed(entered):
                await worker.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.gather(*(w.__aexit__(exc_type, exc, tb) for w in self.workers))
