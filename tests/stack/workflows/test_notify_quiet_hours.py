"""Quiet hours beyond Alertmanager, on Temporal's time-skipping test server: a route muted by a
time interval records the red group's notifications as `held`, and when the interval ends the
group, still red, sends that receiver one summary; a group green by then owes nothing.

The interval is written around the server's clock at the start (UTC, now-10m to now+2h), and
`skip_time` moves the clock: group intervals and the end of the mute are workflow timers.
"""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from routing.workflow_ids import group_workflow_id
from tests.support.app import Stack
from tests.support.fakes.sinks import FakeAIMaestro, FakeChatWebhook
from tests.support.files import fixture_text, load_fixture
from tests.support.notifications import group_sent
from tests.support.record_histories import RecordHistory
from tests.support.waiting import eventually, settled, skip_time, started
from tests.support.webhooks import auth, deliver


@pytest.fixture
def temporal_env(time_skipping_env: WorkflowEnvironment) -> WorkflowEnvironment:
    return time_skipping_env


@pytest.fixture
def quiet_start() -> datetime:
    # The test server's clock starts at the wall clock.
    return datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=10)


@pytest.fixture
def settings_overrides(
    tmp_path: Path, maestro: FakeAIMaestro, chat: FakeChatWebhook, quiet_start: datetime
) -> dict[str, Any]:
    hook = tmp_path / "hook"
    hook.write_text(chat.url)
    end = quiet_start + timedelta(hours=2, minutes=10)
    path = tmp_path / "notify.yaml"
    path.write_text(
        fixture_text(
            "notify/quiet_hours.yaml",
            maestro=maestro.url,
            hook=hook,
            start=quiet_start.strftime("%H:%M"),
            end=end.strftime("%H:%M"),
        )
    )
    return {"notify_config": str(path)}


@pytest.fixture
def ci() -> str:
    return f"CI {uuid.uuid4().hex[:8]}"


def run(ci: str, number: int, conclusion: str = "failure") -> dict[str, Any]:
    name = "workflow_run.failure.json" if conclusion == "failure" else "workflow_run.success.json"
    payload = copy.deepcopy(load_fixture(f"events/{name}"))
    payload["repository"]["full_name"] = "acme/api"
    payload["workflow_run"].update(id=number, run_number=number, name=ci, conclusion=conclusion)
    payload["workflow_run"]["head_repository"] = {"full_name": "acme/api"}
    return payload


def group_id(ci: str) -> str:
    return group_workflow_id("workflow_run", "acme/api", ci, "main")


async def state(client: Client, ci: str) -> dict[str, Any]:
    result: dict[str, Any] = await client.get_workflow_handle(group_id(ci)).query("state")
    return result


async def skip(client: Client, ci: str, by: timedelta) -> None:
    await skip_time(client, group_id(ci), by)


async def rows(api: httpx.AsyncClient, **filters: str) -> list[dict[str, Any]]:
    response = await api.get("/api/notifications", params=filters, headers=auth())
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def test_muted_receiver_is_held_then_gets_one_summary_when_the_interval_ends(
    stack: Stack,
    maestro: FakeAIMaestro,
    chat: FakeChatWebhook,
    ci: str,
    record_history: RecordHistory,
) -> None:
    api, _, client, _ = stack
    await deliver(api, "workflow_run", run(ci, 40))
    await started(client, group_id(ci))
    await eventually(lambda: maestro.messages, what="the orchestrator's message")

    async def held(count: int) -> list[dict[str, Any]] | None:
        found = await rows(api, receiver="api-team", status="held")
        return found if len(found) == count else None

    [first] = await eventually(lambda: held(1), what="the held notification")
    assert first["timeInterval"] == "quiet" and first["sinks"] == {}

    await deliver(api, "workflow_run", run(ci, 41))
    await eventually(lambda: state(client, ci), what="group")

    async def batched() -> bool:
        return (await state(client, ci))["pending"] == 0

    await eventually(batched, what="the second failure in the batch")
    await skip(client, ci, timedelta(minutes=6))  # one group_interval: the batch goes out
    await eventually(lambda: held(2), what="the batch held for api-team")
    assert len(maestro.messages) == 2 and chat.bodies == []
    assert (await state(client, ci))["held"] == {"api-team": 2}

    await skip(client, ci, timedelta(hours=2, minutes=5))  # past the end of `quiet`
    await eventually(lambda: chat.bodies, what="the summary after the quiet hours")
    await settled(client, group_id(ci))
    [summary] = chat.bodies
    assert summary["title"].startswith("Still failing after quiet: ")
    assert summary["held"]["count"] == 2 and summary["held"]["interval"] == "quiet"
    assert "failed 2 times while muted" in summary["summary"]
    assert len(maestro.messages) == 2  # the orchestrator was never muted: nothing owed
    sent = await rows(api, receiver="api-team", status="sent")
    assert [r["summary"] for r in sent] == [summary["summary"]]
    assert (await state(client, ci))["held"] == {}
    notices = await group_sent(client, group_id(ci))
    assert notices[-1].sends == ["api-team/chat"]  # the summary: to the muted receiver only
    await record_history("notify_group/routed_held_then_summarised_inline", group_id(ci))


async def test_group_green_before_the_interval_ends_owes_no_summary(
    stack: Stack, maestro: FakeAIMaestro, chat: FakeChatWebhook, ci: str
) -> None:
    api, _, client, _ = stack
    await deliver(api, "workflow_run", run(ci, 50))
    await started(client, group_id(ci))

    async def statuses() -> list[tuple[str, str]] | None:
        found = sorted((r["type"], r["status"]) for r in await rows(api, receiver="api-team"))
        return found if len(found) == 2 else None

    await eventually(lambda: rows(api, receiver="api-team", status="held"), what="held")
    await deliver(api, "workflow_run", run(ci, 51, conclusion="success"))
    found = await eventually(statuses, what="the resolution, muted")
    assert found == [("ci_failure", "held"), ("ci_resolved", "muted")]
    await eventually(lambda: len(maestro.messages) == 2, what="failure and resolution")
    await skip(client, ci, timedelta(hours=2, minutes=30))
    await settled(client, group_id(ci))
    assert chat.bodies == []
