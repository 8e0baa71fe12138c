"""Recorded NotificationGroupWorkflow histories replay with the current code: a change to the
group's workflow code that would break a group running in production fails here."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows.notification import NotificationWorkflow
from workflows.notify_group import NotificationGroupWorkflow

HISTORIES = Path(__file__).parent / "fixtures" / "histories" / "notify_group"


RECORDED = {p.stem: p.read_text() for p in sorted(HISTORIES.glob("*.json"))}


@pytest.mark.parametrize("name", sorted(RECORDED))
async def test_replay_recorded_group_history_is_deterministic(name: str) -> None:
    history = WorkflowHistory.from_json(f"notify-group-{name}", RECORDED[name])
    replayer = Replayer(workflows=[NotificationGroupWorkflow, NotificationWorkflow])
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


def test_recorded_histories_cover_reminder_resolution_and_covered_check() -> None:
    assert set(RECORDED) >= {
        "red_reminder_resolved",
        "check_run_covered_by_workflow_run",
        "older_success_after_newer_failure",
        "older_failure_after_newer_success",
    }
