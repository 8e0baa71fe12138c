"""notify.prepare and the sinks as activities (ActivityEnvironment) on a real database: a
notification is recorded once per key and handed out for sending only while none of its sinks
was tried, and a sink retried after its attempt recorded `sent` does not send again. Together
they keep a notice exactly-once when a worker dies (the notice's key plays the part a child
workflow's id played)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.notify import NotifyActivities, SinkInput
from activities.notify_routes import NotifyRouteActivities, PrepareInput
from db.engine import SessionFactory
from notify.live import LiveConfig
from notify.render import Renderer
from settings import Settings
from tests.support.fakes.sinks import FakeAIMaestro
from tests.support.notifications import rows

pytestmark = pytest.mark.usefixtures("notify_settings")

KEY = "notify-delivery-1-0"
NOTICE = {
    "type": "ci_failure",
    "priority": "high",
    "repo": "acme/widgets",
    "title": "CI failed: CI on main",
    "summary": "acme/widgets: CI failed: CI on main",
}


def activities(
    settings: Settings, sessions: SessionFactory
) -> tuple[NotifyRouteActivities, NotifyActivities]:
    live = LiveConfig(settings)
    renderer = Renderer(settings.notify_templates_dir)
    notify = NotifyActivities(settings, sessions, live, renderer)
    return NotifyRouteActivities(sessions, live), notify


def prepare_input() -> PrepareInput:
    now = datetime.now(UTC).isoformat()
    return PrepareInput(KEY, "notify-ci-acme-widgets", NOTICE, now, "delivery-1")


def sink_input(sink: str) -> SinkInput:
    return SinkInput(sink, KEY, NOTICE, "delivery-1", receiver="default")


def attempt(number: int) -> ActivityEnvironment:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, attempt=number)
    return env


async def test_prepare_records_once_and_hands_out_only_what_no_sink_tried(
    settings: Settings, sessions: SessionFactory
) -> None:
    routes, notify = activities(settings, sessions)
    first = await ActivityEnvironment().run(routes.prepare, prepare_input())
    assert [(r.receiver, r.sinks) for r in first.send] == [
        ("default", ["logfile", "aimaestro", "chat"])
    ]
    # Prepared again before any sink was tried (the workflow task that recorded it was lost
    # with its worker): still to be sent, from the same row.
    again = await ActivityEnvironment().run(routes.prepare, prepare_input())
    assert again.send == first.send
    assert len(await rows(sessions)) == 1
    # Once a sink was tried, the notice is under way: prepared again (an event replayed into a
    # later run of its group), nothing is handed out.
    await ActivityEnvironment().run(notify.logfile, sink_input("logfile"))
    later = await ActivityEnvironment().run(routes.prepare, prepare_input())
    assert later.send == [] and [r.receiver for r in later.plan.receivers] == ["default"]
    [row] = await rows(sessions)
    assert row.dedupe_key == KEY and row.sink_status["logfile"]["status"] == "sent"


async def test_sink_retried_after_recording_sent_does_not_send_again(
    settings: Settings, sessions: SessionFactory, maestro: FakeAIMaestro
) -> None:
    routes, notify = activities(settings, sessions)
    await ActivityEnvironment().run(routes.prepare, prepare_input())
    sent = await attempt(1).run(notify.aimaestro, sink_input("aimaestro"))
    assert sent.status == "sent" and len(maestro.messages) == 1
    # The worker died after the row said `sent` and before Temporal heard: the retry finds the
    # key sent and sends nothing.
    retried = await attempt(2).run(notify.aimaestro, sink_input("aimaestro"))
    assert retried.status == "sent" and retried.attempts is None
    assert len(maestro.messages) == 1 and len(maestro.attempts) == 1


async def test_sink_retried_after_a_failed_attempt_sends(
    settings: Settings, sessions: SessionFactory, maestro: FakeAIMaestro
) -> None:
    routes, notify = activities(settings, sessions)
    await ActivityEnvironment().run(routes.prepare, prepare_input())
    maestro.fail_next(1, 503)
    with pytest.raises(ApplicationError):
        await attempt(1).run(notify.aimaestro, sink_input("aimaestro"))
    assert maestro.messages == []
    retried = await attempt(2).run(notify.aimaestro, sink_input("aimaestro"))
    assert retried.status == "sent" and retried.attempts == 2
    assert len(maestro.messages) == 1
    [row] = await rows(sessions)
    assert row.sink_status["aimaestro"]["status"] == "sent"
