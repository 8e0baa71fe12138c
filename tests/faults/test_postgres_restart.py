"""PostgreSQL restarted under a stream of deliveries: no 2xx without its row (503 while it is
down), and the same API process accepts again once it is back."""

from __future__ import annotations

import asyncio

import pytest

from api.main import create_app
from db.engine import make_engine, make_session_factory
from devstack.postgres import PostgresServer
from settings import Settings
from tests.support.app import serve
from tests.support.fault_stack import Stream, check_recorded, stored
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow  # a minute of faults: parallel runs start it first


async def test_postgres_restart_mid_stream_gives_no_false_2xx_and_recovers(
    own_postgres: PostgresServer,
    settings: Settings,
) -> None:
    conf = settings.model_copy(update={"database_url": own_postgres.url("hookflow")})
    stream = Stream()
    async for api in serve(create_app(conf)):
        sending = asyncio.create_task(stream.run(api, rate=30, seconds=8))
        await eventually(lambda: len(stream.accepted()) >= 30, within=10, what="load under way")
        before = len(stream.accepted())
        await asyncio.to_thread(own_postgres.halt)
        # Down until the stream has seen the outage: deliveries answered 503.
        await eventually(lambda: 503 in stream.answers.values(), within=5, what="a 503")
        await asyncio.to_thread(own_postgres.resume)
        await sending
        after = len(stream.accepted())
        # Still the same process: it answers again without a restart.
        tail = Stream()
        await tail.run(api, rate=20, seconds=1)
        assert tail.figures()["2xx"] == tail.figures()["sent"]
    engine = make_engine(conf.database_url)
    keys, _ = await stored(make_session_factory(engine))
    await engine.dispose()
    figures = check_recorded(stream, keys)
    statuses = [s for s in stream.answers.values()]
    print(f"PostgreSQL restart: {figures}, 2xx before the halt {before}, after {after}")
    assert set(statuses) <= {200, 503}, set(statuses)
    assert figures["5xx"] > 0  # the outage was seen (503), and nothing else went wrong
    assert after > before
