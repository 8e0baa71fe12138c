"""Temporal down while deliveries arrive: every one is accepted and started once it returns."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import httpx

from api.main import create_app
from db.engine import SessionFactory
from devstack.postgres import free_port
from ops.version import VERSION
from settings import Settings
from tests.support.app import serve
from tests.support.files import load_fixture
from tests.support.own_temporal import DevServer, connect
from tests.support.waiting import eventually, runs_listed
from tests.support.webhooks import auth, deliver
from worker import build_worker
from workflows.search_attributes import ensure_search_attributes


async def all_started(api: httpx.AsyncClient, run_ids: list[str]) -> bool:
    for run_id in run_ids:
        run = (await api.get(f"/api/runs/{run_id}", headers=auth())).json()
        if run["status"] == "RECEIVED":  # its workflow is not running yet
            return False
    return True


async def test_deliveries_during_temporal_outage_all_start_after_it_returns(
    dev_server: DevServer, settings: Settings, sessions: SessionFactory
) -> None:
    client = await connect(dev_server.address)
    # A brand-new server lacks hookflow's search attributes: the worker's start-up adds them.
    assert "HookflowRepo" in await ensure_search_attributes(client, "default")
    assert await ensure_search_attributes(client, "default") == []
    conf = settings.model_copy(
        update={
            "temporal_address": dev_server.address,
            "temporal_namespace": "default",  # the namespace of this test's own server
            "dispatch_inline_timeout": timedelta(seconds=1),
        }
    )
    async for api in serve(create_app(conf)):
        dev_server.stop()
        payload = load_fixture("events/issues_labeled_ai_run.json")
        bodies = []
        for number in range(1, 6):
            issue = {**payload["issue"], "number": number}
            response = await deliver(api, "issues", {**payload, "issue": issue})
            assert response.status_code == 200
            body = response.json()
            assert body["status"] == "accepted" and body["issueNumber"] == number
            bodies.append(body)
        runs = [(await api.get(f"/api/runs/{b['runId']}", headers=auth())).json() for b in bodies]
        assert {r["status"] for r in runs} == {"RECEIVED"}

        dev_server.start()
        client = await connect(dev_server.address)
        async with build_worker(client, conf, sessions):
            # The bound the service promises: started within 30 s of Temporal's return.
            await eventually(
                partial(all_started, api, [b["runId"] for b in bodies]),
                within=30,
                what="every run to start",
            )
        for run in runs:
            assert await runs_listed(client, run["workflowId"]) == 1


async def test_readyz_reports_temporal_unreachable(settings: Settings) -> None:
    conf = settings.model_copy(update={"temporal_address": f"127.0.0.1:{free_port()}"})
    async for api in serve(create_app(conf)):
        response = await api.get("/readyz")
        assert response.status_code == 503
        checks = response.json()["checks"]
        assert checks["database"] == "ok"
        assert checks["temporal"].startswith("unavailable")


async def test_healthz_needs_no_dependencies(api: httpx.AsyncClient) -> None:
    assert (await api.get("/healthz")).json() == {"status": "ok", "version": VERSION}
