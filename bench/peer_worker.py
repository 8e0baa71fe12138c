"""The worker of the record + start peer (bench/peers.py --mode start): one workflow kind that
runs one activity, on its own task queue.

    python -m bench.peer_worker   (TEMPORAL_ADDRESS from the environment)
"""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

from bench.peers import PEER_QUEUE, PEER_WORKFLOW
from worker import WORKFLOW_RUNNER


@activity.defn(name="peer.touch")
async def touch(key: str) -> str:
    return key


@workflow.defn(name=PEER_WORKFLOW)
class PeerWorkflow:
    @workflow.run
    async def run(self, key: str) -> str:
        return await workflow.execute_activity(
            touch, key, start_to_close_timeout=timedelta(seconds=30)
        )


async def main() -> None:
    client = await Client.connect(os.environ["TEMPORAL_ADDRESS"])
    # The same sandbox set-up as hookflow's worker (modules passed through, imported once).
    worker = Worker(
        client,
        task_queue=PEER_QUEUE,
        workflows=[PeerWorkflow],
        activities=[touch],
        workflow_runner=WORKFLOW_RUNNER,
    )
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main())
