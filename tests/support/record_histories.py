"""Plugin: record real workflow histories for the replay test (tests/unit/workflows/
test_workflow_replay.py) with `pytest --record-histories`.

A test that drives a workflow through a path worth keeping asks for the `record_history` fixture
and calls `await record_history("run/cancelled_during_phase", workflow_id)` once the workflow has
done what the scenario is about (`closed=True`: once it has ended). With `--record-histories`
only those tests run, and each writes the history (Temporal's JSON, `WorkflowHistory.to_json()`,
plus a top-level "workflowId": replay needs it, and Temporal's reader ignores the key) to
tests/fixtures/histories/<kind>/<scenario>.json unless that file is stored already: histories
recorded with older code are what the replay test is for, so none is overwritten (delete a file
to record it again). Without the switch the call only checks that the file is stored.

    .venv/bin/python -m pytest -n 0 -p no:cacheprovider --record-histories tests
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from pathlib import Path
from typing import Protocol

import pytest
from temporalio.client import Client, WorkflowFailureError

from tests.support.files import FIXTURES

HISTORIES = FIXTURES / "histories"
FIXTURE = "record_history"
CLOSE_WITHIN = 60  # seconds a recorded workflow may take to end after the test's last check
_SCENARIO = re.compile(r"[a-z0-9_]+/[a-z0-9_]+")


class RecordHistory(Protocol):
    async def __call__(
        self, scenario: str, workflow_id: str, *, run_id: str | None = None, closed: bool = False
    ) -> None: ...


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record-histories",
        action="store_true",
        default=False,
        help="run only the tests that record workflow histories, and store the missing ones "
        f"under {HISTORIES}",
    )


def _recording(config: pytest.Config) -> bool:
    return bool(config.getoption("--record-histories"))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _recording(config):
        return
    keep = [i for i in items if FIXTURE in getattr(i, "fixturenames", ())]
    dropped = [i for i in items if FIXTURE not in getattr(i, "fixturenames", ())]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep


def history_path(scenario: str) -> Path:
    """tests/fixtures/histories/<kind>/<scenario>.json for "<kind>/<scenario>" (snake_case)."""
    if not _SCENARIO.fullmatch(scenario):
        raise ValueError(f"scenario {scenario!r} is not <kind>/<name> in snake_case")
    return HISTORIES / f"{scenario}.json"


def with_workflow_id(history_json: str, workflow_id: str) -> str:
    """The history's JSON with "workflowId" as its first key (the events stay as written)."""
    if not history_json.startswith("{\n"):
        raise ValueError("not a JSON object from WorkflowHistory.to_json()")
    return history_json.replace("{\n", f'{{\n  "workflowId": {json.dumps(workflow_id)},\n', 1)


@pytest.fixture
def record_history(request: pytest.FixtureRequest, temporal_client: Client) -> RecordHistory:
    recording = _recording(request.config)

    async def record(
        scenario: str, workflow_id: str, *, run_id: str | None = None, closed: bool = False
    ) -> None:
        path = history_path(scenario)
        if path.exists():
            return
        if not recording:
            pytest.fail(f"{path} is not stored: record it with `pytest --record-histories`")
        handle = temporal_client.get_workflow_handle(workflow_id, run_id=run_id)
        if closed:
            with contextlib.suppress(WorkflowFailureError):  # a failed run is a history too
                await asyncio.wait_for(handle.result(), CLOSE_WITHIN)
        history = await handle.fetch_history()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(with_workflow_id(history.to_json(), workflow_id) + "\n")

    return record
