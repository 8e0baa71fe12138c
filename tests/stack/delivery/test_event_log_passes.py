"""The webhook log's passes on real PostgreSQL: each pass reads only the rows after the newest
file written, a delivery that commits after a pass read past its time is still logged (the
sweep), and a restart rewrites the last moments in place instead of adding files."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from db.engine import SessionFactory
from db.models import WebhookEvent
from delivery.event_log import EventLog
from notify.log_dir import LATEST
from routing.decision import RoutingConfig


async def record(sessions: SessionFactory, delivery_id: str, at: datetime) -> None:
    """A recorded, ignored delivery stamped `at` (committed now, whatever its stamp)."""
    async with sessions() as session:
        session.add(
            WebhookEvent(
                event_type="star",
                payload={"action": "created", "repository": {"full_name": "acme/widgets"}},
                signature_valid=True,
                processed_at=at,
                delivery_id=delivery_id,
                dedupe_key=f"key-{delivery_id}",
                dispatch_status="ignored",
                response={"status": "ignored", "reason": "not an issues event"},
            )
        )
        await session.commit()


def logged(log_dir: Path) -> list[str]:
    """The delivery id of every event file, one entry per file."""
    return sorted(
        json.loads(path.read_text())["delivery_id"]
        for path in log_dir.glob("*.json")
        if path.name != LATEST
    )


def event_log(sessions: SessionFactory, log_dir: Path, *, interval: float = 0) -> EventLog:
    return EventLog(sessions=sessions, log_dir=log_dir, routing=RoutingConfig(), interval=interval)


async def test_a_pass_reads_only_what_came_after_its_newest_file(
    sessions: SessionFactory, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    writer = event_log(sessions, tmp_path, interval=3600)  # no sweep in this test
    for n in range(3):
        await record(sessions, f"keyset-{n}", now + timedelta(milliseconds=n))
    assert await writer.run_once() == 3
    assert await writer.run_once() == 0  # nothing written twice
    await record(sessions, "keyset-3", now + timedelta(milliseconds=3))
    assert await writer.run_once() == 1
    assert logged(tmp_path) == [f"keyset-{n}" for n in range(4)]


async def test_a_delivery_that_commits_late_is_logged_by_the_sweep(
    sessions: SessionFactory, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    writer = event_log(sessions, tmp_path, interval=3600)
    await record(sessions, "early", now - timedelta(seconds=2))
    await record(sessions, "later", now)
    assert await writer.run_once() == 2
    # Stamped between the two, committed after the pass read past it.
    await record(sessions, "late", now - timedelta(seconds=1))
    assert await writer.run_once() == 0  # the keyset pass cannot see it
    assert await writer.sweep() == 1
    assert await writer.sweep() == 0
    assert logged(tmp_path) == ["early", "late", "later"]
    assert json.loads((tmp_path / LATEST).read_text())["delivery_id"] == "later"


async def test_a_restart_rewrites_the_last_moments_in_place(
    sessions: SessionFactory, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    await record(sessions, f"restart-{uuid.uuid4().hex[:6]}", now)
    first = event_log(sessions, tmp_path)
    assert await first.run_once() == 1
    files = logged(tmp_path)
    # A new process: the last OVERLAP is read again, its files found through the index.
    second = event_log(sessions, tmp_path)
    assert await second.run_once() == 1
    assert logged(tmp_path) == files
