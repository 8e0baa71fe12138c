"""Temporal down for 60 s while 1,000 deliveries arrive: all answered 2xx and recorded, and all
started within 30 s of Temporal's return."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from api.main import create_app
from db.engine import SessionFactory
from settings import Settings
from tests.support.app import serve
from tests.support.fault_stack import Stream, check_recorded, stored
from tests.support.own_temporal import DevServer, connect
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow  # a minute of faults: parallel runs start it first

DELIVERIES = 1000
OUTAGE_SECONDS = 60


async def test_temporal_down_60s_during_1000_deliveries_all_start_after_return(
    dev_server: DevServer,
    settings: Settings,
    sessions: SessionFactory,
) -> None:
    client = await connect(dev_server.address)
    conf = settings.model_copy(
        update={
            "temporal_address": dev_server.address,
            "temporal_namespace": "default",  # the namespace of this test's own server
            "dispatch_inline_timeout": timedelta(seconds=1),
        }
    )
    stream = Stream()
    loop = asyncio.get_running_loop()
    async for api in serve(create_app(conf)):
        await asyncio.to_thread(dev_server.stop)
        down_at = loop.time()
        await stream.run(api, rate=DELIVERIES / (OUTAGE_SECONDS - 10), seconds=OUTAGE_SECONDS - 10)
        sent_in = loop.time() - down_at
        # Not a wait for an event: the outage itself lasts OUTAGE_SECONDS, however quickly the
        # stream was sent (what it proves is that a long outage loses nothing).
        await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (loop.time() - down_at)))
        _, during = await stored(sessions)

        dev_server.start()
        client = await connect(dev_server.address)
        back_at = loop.time()

        async def all_started() -> bool:
            return (await stored(sessions))[1].get("pending", 0) == 0

        await eventually(all_started, within=30, what="every delivery started")
        took = loop.time() - back_at
    keys, statuses = await stored(sessions)
    figures = check_recorded(stream, keys)
    # A push starts a NotificationWorkflow, on the notification queue.
    query = f"TaskQueue = '{conf.notify_task_queue}'"

    async def counted() -> int | None:
        count = (await client.count_workflows(query)).count
        return count if count >= figures["rows"] else None

    workflows = await eventually(counted, within=15, what="visibility caught up")
    print(
        f"Temporal down {OUTAGE_SECONDS} s: {figures}, sent in {sent_in:.0f} s, pending "
        f"during the outage {during.get('pending', 0)}, all started {took:.1f} s after "
        f"Temporal returned, workflows {workflows}"
    )
    assert figures["sent"] >= DELIVERIES - 20 and figures["2xx"] == figures["sent"]
    assert during.get("pending", 0) == figures["rows"]
    assert statuses == {"dispatched": figures["rows"]} and workflows == figures["rows"]
