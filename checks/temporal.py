"""The Temporal checks: the frontend answers, the namespace exists with hookflow's search
attributes, and a worker polls the task queue."""

from __future__ import annotations

import asyncio

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from checks.result import Check, fail, ok, warn
from ops.temporal_connect import connect_temporal
from settings import Settings
from workflows.search_attributes import ALL_KEYS

TIMEOUT_SECONDS = 10.0


async def check_temporal(settings: Settings) -> list[Check]:
    address, namespace = settings.temporal_address, settings.temporal_namespace
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            client = await connect_temporal(settings)
    except TimeoutError:
        return [fail("temporal", f"{address} did not answer within {TIMEOUT_SECONDS:.0f} s")]
    except Exception as exc:  # noqa: BLE001  (connect raises RuntimeError for most causes)
        return [
            fail(
                "temporal",
                f"cannot connect to {address}: {str(exc)[:300]}",
                "check TEMPORAL_ADDRESS (and TEMPORAL_TLS_* / TEMPORAL_API_KEY for a cluster)",
            )
        ]
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            await client.workflow_service.describe_namespace(
                DescribeNamespaceRequest(namespace=namespace)
            )
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return [
                fail(
                    "temporal namespace",
                    f"{address} has no namespace {namespace!r}",
                    f"create it (temporal operator namespace create --namespace {namespace}) "
                    "or set TEMPORAL_NAMESPACE",
                )
            ]
        return [fail("temporal namespace", f"{namespace!r}: {exc.status.name} {exc.message}")]
    except TimeoutError:
        return [fail("temporal namespace", f"{address} did not describe {namespace!r} in time")]
    checks = [ok("temporal namespace", f"{namespace!r} on {address}")]
    checks.append(await _search_attributes(client, namespace))
    checks.append(await _pollers(client, namespace, settings.temporal_task_queue))
    if settings.notify_task_queue != settings.temporal_task_queue:
        checks.append(
            await _pollers(client, namespace, settings.notify_task_queue, "notifications")
        )
    return checks


async def _search_attributes(client: Client, namespace: str) -> Check:
    name = "temporal search attributes"
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            listed = await client.operator_service.list_search_attributes(
                ListSearchAttributesRequest(namespace=namespace)
            )
    except (RPCError, TimeoutError) as exc:
        return warn(name, f"cannot list them: {exc}", "the worker registers them at start-up")
    known = set(listed.custom_attributes) | set(listed.system_attributes)
    missing = sorted(key.name for key in ALL_KEYS if key.name not in known)
    if missing:
        return warn(
            name,
            f"missing {', '.join(missing)}: runs are not findable by repo, issue or status yet",
            "start `hookflow worker` once (it registers them), or "
            "`temporal operator search-attribute create` each",
        )
    return ok(name, ", ".join(sorted(key.name for key in ALL_KEYS)))


async def _pollers(client: Client, namespace: str, task_queue: str, what: str = "") -> Check:
    name = f"temporal worker ({what})" if what else "temporal worker"
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            described = await client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(
                    namespace=namespace,
                    task_queue=TaskQueue(name=task_queue),
                    task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
                )
            )
    except (RPCError, TimeoutError) as exc:
        return warn(name, f"cannot describe task queue {task_queue!r}: {exc}")
    if not described.pollers:
        return warn(
            name,
            f"no worker polls task queue {task_queue!r}: deliveries are recorded but nothing runs",
            "start `hookflow worker` with the same TEMPORAL_TASK_QUEUE",
        )
    return ok(name, f"{len(described.pollers)} poller(s) on task queue {task_queue!r}")
