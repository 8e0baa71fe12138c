"""The Temporal worker: `python worker.py` (all configuration from the environment)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from temporalio.client import Client
from temporalio.worker import PollerBehaviorAutoscaling, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.heartbeat import AutoHeartbeat
from activities.registry import build_activities, build_notify_activities
from activities.sandbox import describe as describe_sandbox
from db.engine import SessionFactory, make_engine, make_session_factory
from notify.live import LiveConfig
from notify.problems import ConfigInvalid
from ops.exit import run as run_process
from ops.logs import configure_logging
from ops.temporal_connect import connect_temporal
from ops.worker_metrics import metrics_runtime
from ops.worker_set import WorkerSet
from reconcile.runs import RunReconciler
from schedules.recover import ensure_recover_schedule
from schedules.retention import ensure_retention_schedule
from settings import ConfigError, Settings, format_duration, load_settings
from workflows.registry import NOTIFY_WORKFLOWS, WORKFLOWS
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


def tuning(settings: Settings) -> dict[str, Any]:
    """The Worker options that come from settings."""
    return {
        "max_concurrent_activities": 50,
        "max_cached_workflows": settings.worker_max_cached_workflows,
        "max_concurrent_workflow_tasks": settings.worker_max_concurrent_workflow_tasks,
    }


def polled_queues(settings: Settings, main: str | None = None) -> list[str]:
    """The task queues this worker process polls (WORKER_QUEUES): the main queue, the
    notification queue, or both; one queue when both have the same name."""
    main = main or settings.temporal_task_queue
    notify = settings.notify_task_queue
    if notify == main:
        return [main]
    return {"all": [main, notify], "main": [main], "notify": [notify]}[settings.worker_queues]


def build_worker(
    client: Client,
    settings: Settings,
    sessions: SessionFactory,
    *,
    task_queue: str | None = None,
    live: LiveConfig | None = None,
    **options: Any,
) -> WorkerSet:
    """The worker for every workflow and activity on the main task queue, and the notification
    worker on its own queue (its own slots and pollers: runs cannot hold notifications up);
    WORKER_QUEUES picks one of them for this process. `options` go to temporalio's Worker."""
    interceptors = [AutoHeartbeat(), *options.pop("interceptors", [])]
    config = TUNING | tuning(settings) | options
    main = task_queue or settings.temporal_task_queue
    live = live or LiveConfig(settings)
    workers = []
    for queue in polled_queues(settings, main):
        if queue == main:
            # Every kind here too: notifications started before the queues were split, or by
            # a workflow on this queue (a blocked task's before `blocked-notify-inline`; since,
            # it records and sends them itself, here), run where they were started.
            workflows, activities = WORKFLOWS, build_activities(settings, sessions, live)
        else:
            workflows = NOTIFY_WORKFLOWS
            activities = build_notify_activities(settings, sessions, live)
        workers.append(
            Worker(
                client,
                task_queue=queue,
                workflows=workflows,
                activities=activities,
                interceptors=interceptors,
                **config,
            )
        )
    return WorkerSet(workers)


def reload_on_sighup(live: LiveConfig) -> None:
    """`kill -HUP <worker>` re-reads NOTIFY_CONFIG (it is also re-read when it changes)."""
    with contextlib.suppress(NotImplementedError, RuntimeError):  # no signals here: skip
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, live.reload)


async def main() -> None:
    settings = load_settings()
    configure_logging(settings)
    try:
        live = LiveConfig(settings)
    except ConfigInvalid as exc:
        raise ConfigError(f"NOTIFY_CONFIG: {exc}") from None
    reload_on_sighup(live)
    # Temporal's SDK metrics and hookflow's own, on WORKER_METRICS_PORT (0: off).
    client = await connect_temporal(settings, runtime=metrics_runtime(settings))
    await ensure_search_attributes(client, settings.temporal_namespace)
    await ensure_retention_schedule(client, settings)
    await ensure_recover_schedule(client, settings)
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    worker = build_worker(client, settings, sessions, live=live)
    reconcile_every = settings.run_reconcile_interval
    reconciler = RunReconciler(sessions, client, interval=reconcile_every.total_seconds())
    reconciling = asyncio.create_task(reconciler.run_forever(), name="hookflow-run-reconciler")
    log.info(
        "worker polling %s on %s; closing runs whose workflow ended from outside every %s",
        " and ".join(w.task_queue for w in worker.workers),
        settings.temporal_address,
        format_duration(reconcile_every),
    )
    log.info("agent sandbox: %s", describe_sandbox(settings))
    try:
        await worker.run()
    finally:
        reconciling.cancel()
        await engine.dispose()


if __name__ == "__main__":
    run_process(lambda: asyncio.run(main()))
