"""Missed-delivery recovery end to end: `hookflow recover` and the RECOVER_INTERVAL schedule
against the fake GitHub's delivery log (Link pagination), PostgreSQL and Temporal."""

from __future__ import annotations

import argparse
import io
import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from temporalio.client import Client, ScheduleActionExecutionStartWorkflow
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from cli.recover import recover_command
from schedules.recover import ensure_recover_schedule, recover_schedule_id
from settings import Settings
from tests.support.fakes import FakeGitHub
from tests.support.files import load_fixture
from tests.support.record_histories import RecordHistory
from tests.support.waiting import eventually
from tests.support.webhooks import deliver

TOKEN = "gh-recover-token"
HOOK = 4242


class HookedGitHub(FakeGitHub):
    repo = ""


@pytest.fixture
def github() -> Iterator[HookedGitHub]:
    fake = HookedGitHub(token=TOKEN)
    with fake:
        fake.repo = f"acme/recover-{uuid.uuid4().hex[:8]}"
        fake.add_repo(fake.repo)
        fake.add_hook(fake.repo, HOOK)
        yield fake


@pytest.fixture
def settings_overrides(github: HookedGitHub) -> dict[str, Any]:
    return {
        "github_api_url": github.url,
        "github_token": TOKEN,
        "recover_repo_hooks": f"{github.repo}:{HOOK}",
    }


def add(github: HookedGitHub, guid: str, event: str, status: int, hours_ago: float) -> int:
    row = github.add_delivery(
        repo=github.repo,
        hook_id=HOOK,
        guid=guid,
        event=event,
        status_code=status,
        age=timedelta(hours=hours_ago),
    )
    return int(row["id"])


async def run_recover(settings: Settings, since: str = "24h", dry_run: bool = False) -> Any:
    out, err = io.StringIO(), io.StringIO()
    code = await recover_command(
        argparse.Namespace(since=since, dry_run=dry_run), settings, out=out, err=err
    )
    assert code == 0, err.getvalue()
    return json.loads(out.getvalue())


async def test_recover_asks_once_per_missed_guid_within_window(
    api: httpx.AsyncClient, github: HookedGitHub, settings: Settings
) -> None:
    # hookflow recorded this one although GitHub saw a timeout (e.g. a slow reply).
    recorded = str(uuid.uuid4())
    payload = load_fixture("events/workflow_run.failure.json")
    payload["repository"]["full_name"] = github.repo
    assert (await deliver(api, "workflow_run", payload, delivery=recorded)).status_code == 200
    add(github, recorded, "workflow_run", 0, 3)
    missed_twice = str(uuid.uuid4())
    first_try = add(github, missed_twice, "issues", 503, 5)
    newest_try = add(github, missed_twice, "issues", 502, 4)
    missed_push = add(github, "push-guid-" + uuid.uuid4().hex, "push", 503, 2)
    add(github, "ok-" + uuid.uuid4().hex, "issues", 200, 2)
    add(github, "star-" + uuid.uuid4().hex, "star", 503, 2)
    # 120 successful deliveries newer than the misses, and 200 old ones beyond the window:
    # newest first, 100 per page, so page 2 reaches the window and page 3 is never read.
    for i in range(120):
        add(github, f"ok-{i}-{uuid.uuid4().hex}", "push", 200, 1 - i / 1000)
    for i in range(200):
        add(github, f"old-{i}-{uuid.uuid4().hex}", "issues", 503, 30 + i)

    report = await run_recover(settings)

    hook = report["hooks"][0]
    assert hook["hook"] == f"{github.repo}:{HOOK}" and hook["error"] is None
    assert sorted(a["delivery_id"] for a in hook["asked"]) == sorted([newest_try, missed_push])
    assert first_try not in [a["delivery_id"] for a in hook["asked"]]
    assert hook["skipped"] == {"succeeded": 121, "recorded": 1, "not routed": 1}
    assert report["asked"] == 2
    asked = github.requests_to("POST", rf"/hooks/{HOOK}/deliveries/\d+/attempts$")
    assert sorted(int(r.path.split("/")[-2]) for r in asked) == sorted([newest_try, missed_push])
    pages = github.requests_to("GET", rf"/hooks/{HOOK}/deliveries$")
    assert len(pages) == 2 and "cursor" in pages[1].query

    # GitHub redelivered both successfully: a second pass asks for nothing more.
    again = await run_recover(settings)
    assert again["asked"] == 0
    assert len(github.requests_to("POST", r"/attempts$")) == 2


async def test_recover_dry_run_asks_nothing(github: HookedGitHub, settings: Settings) -> None:
    add(github, str(uuid.uuid4()), "issues", 503, 1)
    report = await run_recover(settings, dry_run=True)
    assert report["asked"] == 1 and report["dry_run"] is True
    assert github.requests_to("POST", r"/attempts$") == []


async def test_recover_without_hooks_is_a_usage_error(settings: Settings) -> None:
    settings = settings.model_copy(update={"recover_repo_hooks": ""})
    err = io.StringIO()
    code = await recover_command(
        argparse.Namespace(since="1h", dry_run=False), settings, out=io.StringIO(), err=err
    )
    assert code == 2 and "RECOVER_REPO_HOOKS" in err.getvalue()


async def test_recover_reports_a_hook_github_refuses(
    github: HookedGitHub, settings: Settings
) -> None:
    github.fail_next("GET", r"/deliveries$", 404)
    out = io.StringIO()
    code = await recover_command(
        argparse.Namespace(since="1h", dry_run=False), settings, out=out, err=io.StringIO()
    )
    assert code == 1
    assert "404" in json.loads(out.getvalue())["hooks"][0]["error"]


async def test_recover_schedule_asks_redelivery(
    github: HookedGitHub,
    settings: Settings,
    worker: Worker,
    temporal_client: Client,
    record_history: RecordHistory,
) -> None:
    missed = add(github, str(uuid.uuid4()), "workflow_run", 503, 1)
    settings = settings.model_copy(update={"recover_interval": timedelta(hours=1)})
    schedule_id = await ensure_recover_schedule(temporal_client, settings)
    assert schedule_id == recover_schedule_id(settings)
    handle = temporal_client.get_schedule_handle(schedule_id)
    try:
        await handle.trigger()
        asked = await eventually(
            lambda: github.requests_to("POST", rf"/deliveries/{missed}/attempts$"),
            what="the scheduled pass to ask for the redelivery",
        )
        assert len(asked) == 1
        description = await handle.describe()
        assert description.schedule.spec.intervals[0].every == timedelta(hours=1)
        started = description.info.recent_actions[-1].action
        assert isinstance(started, ScheduleActionExecutionStartWorkflow)
        await record_history("recover/scheduled_pass", started.workflow_id, closed=True)
    finally:
        await ensure_recover_schedule(
            temporal_client, settings.model_copy(update={"recover_interval": None})
        )
    # Removed when RECOVER_INTERVAL is unset: Temporal answers NOT_FOUND (not any error).
    with pytest.raises(RPCError) as caught:
        await handle.describe()
    assert caught.value.status == RPCStatusCode.NOT_FOUND, caught.value
