"""SIGKILL the API process under load: every 2xx has its row, and the rows the dead process
left pending are started by the next process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client

from db.engine import SessionFactory
from devstack.postgres import free_port
from settings import Settings
from tests.support.fault_stack import ApiProcess, Stream, check_recorded, stored
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow  # a minute of faults: parallel runs start it first


async def test_api_sigkill_under_load_loses_no_accepted_delivery(
    settings: Settings, sessions: SessionFactory, temporal_client: Client, tmp_path: Path
) -> None:
    api = ApiProcess(settings, tmp_path / "api.log")
    # The first process cannot reach Temporal, so the kill leaves rows pending (besides those
    # it was dispatching); the next process, which can, must start them all.
    api.start(TEMPORAL_ADDRESS=f"127.0.0.1:{free_port()}")
    stream = Stream()
    try:
        async with httpx.AsyncClient(base_url=api.url, timeout=10) as client:
            sending = asyncio.create_task(stream.run(client, rate=40, seconds=8))
            await eventually(
                lambda: len(stream.accepted()) >= 150, within=30, what="load under way"
            )
            api.kill()  # mid-stream: requests in flight get no answer
            killed_at = stream.sent
            await sending
        keys, statuses = await stored(sessions)
        left_pending = statuses.get("pending", 0)

        api.start()  # a new process, same database: its dispatcher finds the pending rows
        loop = asyncio.get_running_loop()
        restarted = loop.time()

        async def all_dispatched() -> bool:
            return (await stored(sessions))[1].get("pending", 0) == 0

        await eventually(all_dispatched, within=30, what="pending rows dispatched")
        took = loop.time() - restarted
    finally:
        api.stop()
    keys, statuses = await stored(sessions)
    figures = check_recorded(stream, keys)
    print(
        f"API SIGKILL: {figures}, killed after {killed_at} sent, {left_pending} left "
        f"pending, dispatched {took:.1f} s after restart"
    )
    assert figures["2xx"] >= 150 and figures["5xx"] == 0
    assert left_pending >= figures["2xx"]
    assert statuses.get("dispatched", 0) == figures["rows"]
    # Each row's workflow started once (business-key ids: a replay cannot start a second).
    # A push starts a NotificationWorkflow, on the notification queue.
    query = f"TaskQueue = '{settings.notify_task_queue}'"

    async def started() -> bool:
        return (await temporal_client.count_workflows(query)).count == figures["rows"]

    await eventually(started, within=15, what="one workflow per row")
