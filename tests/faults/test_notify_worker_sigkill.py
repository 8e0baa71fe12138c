"""A CI group's notice survives the SIGKILL of the worker sending it: the worker dies while the
group's AI Maestro send is being retried (AI Maestro answers 503; the chat and the log file were
sent already), the next worker takes the group over from its history, and every sink gets the
notice exactly once (real `python worker.py`, Temporal and PostgreSQL; fake sinks)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from temporalio.client import Client

from db.engine import SessionFactory
from settings import Settings
from tests.support.fakes.sinks import FakeAIMaestro, FakeChatWebhook
from tests.support.notifications import group_id, group_sent, rows, workflow_run
from tests.support.waiting import eventually
from tests.support.webhooks import deliver
from tests.support.worker_process import worker_process

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("notify_settings")]


async def test_worker_killed_while_a_group_sends_each_sink_gets_the_notice_once(
    api: httpx.AsyncClient,
    sessions: SessionFactory,
    temporal_client: Client,
    settings: Settings,
    maestro: FakeAIMaestro,
    chat: FakeChatWebhook,
    ci: str,
    tmp_path: Path,
) -> None:
    log, home = tmp_path / "worker.log", tmp_path / "home"
    home.mkdir()
    maestro.fail_next(1000, 503)  # down: its send is retried with backoff
    with worker_process(settings, log, home=home) as worker:
        await deliver(api, "workflow_run", workflow_run("failure", run_id=1, name=ci))
        await eventually(lambda: chat.bodies, what="the chat message")
        await eventually(lambda: len(maestro.attempts) >= 2, what="AI Maestro's send retried")
        worker.kill()
    tried = len(maestro.attempts)
    maestro.fail_next(0)  # back up
    with worker_process(settings, log, home=home):
        # The new worker replays the group: nothing recorded or sent again, the retry goes on.
        await eventually(lambda: maestro.messages, within=60, what="AI Maestro's message")
        [notice] = await group_sent(temporal_client, group_id(ci))
    assert sorted(notice.sends) == ["default/aimaestro", "default/chat", "default/logfile"]
    assert len(maestro.messages) == 1 and len(maestro.attempts) > tried
    assert len(chat.bodies) == 1
    [row] = await rows(sessions)
    assert {sink: s["status"] for sink, s in row.sink_status.items()} == {
        "logfile": "sent",
        "aimaestro": "sent",
        "chat": "sent",
    }
    assert row.status == "sent" and row.workflow_id == group_id(ci)
