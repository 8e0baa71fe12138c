"""Plugin and helpers for the notification tests: the fake sinks (`maestro`, `chat`), their
settings (`notify_settings`, set per test with `with_settings`), a CI workflow name of the test's
own (`ci`), workflow_run payloads, group ids, the notification rows, a delivery's notification,
and the notices a CI group or a blocked task recorded and sent (read from its history)."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import httpx
import pytest
from sqlmodel import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle

from db.engine import SessionFactory
from db.models import Notification
from routing.workflow_ids import group_workflow_id, notification_workflow_id
from tests.support.app import Stack
from tests.support.fakes.sinks import FakeAIMaestro, FakeChatWebhook
from tests.support.files import load_fixture
from tests.support.waiting import eventually, workflow_result
from tests.support.webhooks import deliver

WF_FAILURE = "events/workflow_run.failure.json"
WF_SUCCESS = "events/workflow_run.success.json"


@pytest.fixture
def maestro() -> Iterator[FakeAIMaestro]:
    server = FakeAIMaestro().start()
    yield server
    server.stop()


@pytest.fixture
def chat() -> Iterator[FakeChatWebhook]:
    server = FakeChatWebhook().start()
    yield server
    server.stop()


@pytest.fixture
def notify_settings(
    request: pytest.FixtureRequest, maestro: FakeAIMaestro, chat: FakeChatWebhook
) -> dict[str, Any]:
    extra: dict[str, Any] = getattr(request, "param", {})
    return {
        "aimaestro_url": maestro.url,
        "notify_webhook_url": chat.url,
        "notify_group_window": "2s",
        "notify_check_wait": "2s",
        "notify_repeat_interval": "1h",
        **extra,
    }


def with_settings(**values: Any) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("notify_settings", [values], indirect=True, ids=[""])


async def rows(sessions: SessionFactory) -> list[Notification]:
    async with sessions() as session:
        query = select(Notification).order_by(Notification.created_at)  # type: ignore[arg-type]
        return list((await session.exec(query)).all())


async def finish(client: Client, workflow_id: str) -> dict[str, Any]:
    """The workflow's result; the dispatcher loop may start it just after the reply."""
    done: dict[str, Any] = await workflow_result(client, workflow_id)
    return done


class Notified(NamedTuple):
    """A delivery that made one notification: its id, hookflow's reply, the workflow's result."""

    delivery: str
    response: httpx.Response
    result: dict[str, Any]


async def notified(stack: Stack, event: str, fixture: str) -> Notified:
    """Deliver tests/fixtures/<fixture> as `event` under a delivery id of its own and wait for
    the notification workflow it starts to finish."""
    delivery = str(uuid.uuid4())
    response = await deliver(stack.api, event, load_fixture(fixture), delivery=delivery)
    result = await finish(stack.client, notification_workflow_id(delivery, 0))
    return Notified(delivery, response, result)


@pytest.fixture
def ci() -> str:
    """A workflow name of this test's own: group workflow ids are business keys, and the
    Temporal server outlives every test."""
    return f"CI {uuid.uuid4().hex[:8]}"


def group_id(name: str, branch: str = "main") -> str:
    return group_workflow_id("workflow_run", "acme/widgets", name, branch)


def workflow_run(
    conclusion: str, *, run_id: int, name: str, sha: str | None = None, branch: str = "main"
) -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture(WF_FAILURE if conclusion == "failure" else WF_SUCCESS))
    run = payload["workflow_run"]
    run.update(id=run_id, name=name, head_branch=branch, conclusion=conclusion)
    if sha:
        run["head_sha"] = sha
    return payload


SINK_ACTIVITIES = ("notify.logfile", "notify.aimaestro", "notify.chat")


@dataclass
class Notice:
    """One notice a workflow recorded and sent itself (a CI group, a blocked task)."""

    key: str
    at: datetime  # workflow time of the task that recorded it
    sends: list[str] = field(default_factory=list)  # "receiver/sink" of each send it scheduled


def _json(payloads: Any) -> Any:
    return json.loads(payloads.payloads[0].data)


async def group_notices(handle: WorkflowHandle[Any, Any]) -> list[Notice]:
    """The notices of the run in order: each `notify.prepare` local activity (named by the
    notice's key) with the sink activities scheduled for that key."""
    notices: dict[str, Notice] = {}
    now: datetime | None = None
    async for e in handle.fetch_history_events():
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            now = e.event_time.ToDatetime()
        elif e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            details = e.marker_recorded_event_attributes.details
            marker = _json(details["data"]) if "data" in details else {}
            if marker.get("activity_type") == "notify.prepare":
                assert now is not None
                notices[marker["activity_id"]] = Notice(marker["activity_id"], now)
        elif e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled = e.activity_task_scheduled_event_attributes
            if scheduled.activity_type.name in SINK_ACTIVITIES:
                sink = _json(scheduled.input)
                notices[sink["key"]].sends.append(f"{sink['receiver']}/{sink['sink']}")
    return list(notices.values())


async def group_sent(client: Client, workflow_id: str) -> list[Notice]:
    """The notices of the group (or blocked task) `workflow_id` once none of them is still
    being sent (its `state` query says how many are)."""
    handle = client.get_workflow_handle(workflow_id)

    async def done() -> bool:
        return (await handle.query("state"))["sending"] == 0

    await eventually(done, what=f"{workflow_id}'s notices sent")
    return await group_notices(handle)
