"""Notification work runs on its own task queue, served by the notification worker that
`build_worker` adds: a notification's workflow, a group's workflow and the sends of both."""

from __future__ import annotations

import uuid

import pytest
from temporalio.api.enums.v1 import EventType

from routing.workflow_ids import notification_workflow_id
from tests.support.app import Stack
from tests.support.fakes.sinks import FakeAIMaestro
from tests.support.files import load_fixture
from tests.support.notifications import finish, group_id, workflow_run
from tests.support.waiting import eventually
from tests.support.webhooks import deliver

pytestmark = pytest.mark.usefixtures("notify_settings")


async def test_notification_runs_on_the_notify_queue(stack: Stack, maestro: FakeAIMaestro) -> None:
    api, _, client, settings = stack
    assert settings.notify_task_queue == f"{settings.temporal_task_queue}-notify"
    delivery = str(uuid.uuid4())
    response = await deliver(
        api, "pull_request", load_fixture("events/pull_request.opened.json"), delivery=delivery
    )
    assert response.status_code == 200
    workflow_id = notification_workflow_id(delivery, 0)
    result = await finish(client, workflow_id)
    assert result["sinks"]["aimaestro"] == "sent"
    described = await client.get_workflow_handle(workflow_id).describe()
    assert described.task_queue == settings.notify_task_queue
    assert len(maestro.messages) == 1


async def test_group_and_its_sends_run_on_the_notify_queue(
    stack: Stack, maestro: FakeAIMaestro, ci: str
) -> None:
    api, _, client, settings = stack
    response = await deliver(api, "workflow_run", workflow_run("failure", run_id=1, name=ci))
    assert response.status_code == 200
    await eventually(lambda: any(ci in str(m) for m in maestro.messages), what="the notice")
    group = client.get_workflow_handle(group_id(ci))
    assert (await group.describe()).task_queue == settings.notify_task_queue
    queues = {
        e.activity_task_scheduled_event_attributes.task_queue.name
        async for e in group.fetch_history_events()
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    }
    assert queues == {settings.notify_task_queue}
