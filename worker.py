"""The Temporal worker: `python worker.py` (all configuration from the environment)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from temporalio.client import Client
from temporalio.worker import PollerBehaviorAutoscaling, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.registry import build_activities
from db.engine import SessionFactory, make_engine, make_session_factory
from settings import Settings, load_settings
from workflows.registry import WORKFLOWS
from workflows.search_attributes import ensure_search_attributes

log = logging.getLogger("hookflow.worker")

# The sandbox still guards every workflow against non-deterministic calls, but our modules are
# imported once instead of once per workflow run (stateless modules: nothing leaks between
# runs); re-importing them cost tens of ms of CPU per started workflow.
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_all_modules()
)
TUNING: dict[str, Any] = {
    "workflow_runner": WORKFLOW_RUNNER,
    # Pollers follow the backlog (the server says when more would help) instead of a fixed
    # five, of which only one polls the shared queue where new workflows start.
    "workflow_task_poller_behavior": PollerBehaviorAutoscaling(),
    "activity_task_poller_behavior": PollerBehaviorAutoscaling(),
}


def build_worker(
    client: Client, settings: Settings, sessions: SessionFactory, *,
    task_queue: str | None = None, **options: Any,
) -> Worker:
    """The worker for every workflow and activity; `options` go to temporalio's Worker."""
    return Worker(
        client,
        task_queue=task_queue or settings.temporal_task_queue,
        workflows=WORKFLOWS,
        activities=build_activities(settings, sessions),
        max_concurrent_activities=50,
        **(TUNING | options),
    )


async def main() -> None:
    settings = load_settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    await ensure_search_attributes(client, settings.temporal_namespace)
    engine = make_engine(settings.database_url)
    worker = build_worker(client, settings, make_session_factory(engine))
    log.info("worker polling %s on %s", settings.temporal_task_queue, settings.temporal_address)
    try:
        await worker.run()
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
