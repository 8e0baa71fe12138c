"""Two API processes' worth of apps and two workers on one database and task queue: every
delivery is recorded once and starts its workflow exactly once."""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import AsyncIterator

import httpx
from sqlmodel import select
from temporalio.client import Client

from api.main import create_app
from db.engine import SessionFactory
from db.models import Run, WebhookEvent
from settings import Settings
from tests.support.app import serve
from tests.support.files import load_fixture
from tests.support.waiting import eventually, runs_listed
from tests.support.webhooks import deliver
from worker import build_worker


async def _second_api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(create_app(settings)):
        yield client


async def test_two_apis_and_two_workers_start_each_delivery_once(
    api: httpx.AsyncClient,
    settings: Settings,
    sessions: SessionFactory,
    temporal_client: Client,
) -> None:
    payload = load_fixture("events/issues_labeled_ai_run.json")
    # A second worker process has its own connection (one client allows one worker per queue).
    second = await Client.connect(
        temporal_client.service_client.config.target_host, namespace=temporal_client.namespace
    )
    async with (
        build_worker(temporal_client, settings, sessions),
        build_worker(second, settings, sessions),
    ):
        async for other in _second_api(settings):
            sends = []
            for number in range(300, 310):
                body = copy.deepcopy(payload)
                body["issue"]["number"] = number
                delivery = str(uuid.uuid4())
                # The same delivery reaches both processes at once (a redelivery racing the
                # original), and both dispatch loops run.
                sends += [
                    deliver(api, "issues", body, delivery=delivery),
                    deliver(other, "issues", body, delivery=delivery),
                ]
            responses = await asyncio.gather(*sends)
            assert {r.status_code for r in responses} == {200}
            pairs = [
                (responses[i].json(), responses[i + 1].json()) for i in range(0, len(responses), 2)
            ]
            assert all(a == b for a, b in pairs)

            async def dispatched() -> bool:
                async with sessions() as session:
                    rows = (await session.exec(select(WebhookEvent))).all()
                return len(rows) == 10 and all(r.dispatch_status == "dispatched" for r in rows)

            await eventually(dispatched, what="every delivery dispatched")
    async with sessions() as session:
        runs = (await session.exec(select(Run))).all()
    assert len(runs) == 10
    for run in runs:
        assert await runs_listed(temporal_client, run.workflow_id) == 1, run.workflow_id
