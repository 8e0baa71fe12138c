"""The worker of the record + start peer (bench/peers.py --mode start): its one-activity
workflow (bench/peer_workflow.py) on its own task queue.

    python -m bench.peer_worker   (TEMPORAL_ADDRESS from the environment)
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from temporalio.client import Client
from temporalio.worker import PollerBehaviorAutoscaling, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from bench.peer_workflow import PeerWorkflow, touch
from bench.peers import PEER_QUEUE
from ops.exit import run as run_process

# As hookflow's worker.py sets it up (modules passed through, imported once), without
# importing hookflow itself.
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_all_modules()
)

# hookflow's worker polls as the backlog asks (worker.py TUNING); BENCH_PEER_POLLERS=fixed
# keeps the SDK's default (five pollers, one on the queue where new workflows start).
POLLERS: dict[str, Any] = (
    {}
    if os.environ.get("BENCH_PEER_POLLERS") == "fixed"
    else {
        "workflow_task_poller_behavior": PollerBehaviorAutoscaling(),
        "activity_task_poller_behavior": PollerBehaviorAutoscaling(),
    }
)


async def main() -> None:
    client = await Client.connect(os.environ["TEMPORAL_ADDRESS"])
    worker = Worker(
        client,
        task_queue=PEER_QUEUE,
        workflows=[PeerWorkflow],
        activities=[touch],
        workflow_runner=WORKFLOW_RUNNER,
        **POLLERS,
    )
    await worker.run()


if __name__ == "__main__":
    run_process(lambda: asyncio.run(main()))
