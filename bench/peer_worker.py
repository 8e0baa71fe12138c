"""The worker of the record + start peer (bench/peers.py --mode start): its one-activity
workflow (bench/peer_workflow.py) on its own task queue.

    python -m bench.peer_worker   (TEMPORAL_ADDRESS from the environment)
"""

from __future__ import annotations

import asyncio
import os

from temporalio.client import Client
from temporalio.worker import Worker

from bench.peer_workflow import PeerWorkflow, touch
from bench.peers import PEER_QUEUE
from worker import WORKFLOW_RUNNER


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
