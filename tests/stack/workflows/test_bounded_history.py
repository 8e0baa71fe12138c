"""A run whose agent floods (5 MB stdout and stderr per phase, a 5 MB file) and whose issue body is
1 MB still ends, with truncated artifacts, and its workflow history stays under 1 MB."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.support.ai_run import (
    AGENT_PYTHON,
    agent_settings,
    artifacts,
    make_bare_remote,
    remote_head,
    wait_run,
)
from tests.support.app import Stack
from tests.support.files import ROOT, load_fixture
from tests.support.webhooks import deliver

AGENTS = ROOT / "tests" / "support" / "agents"
LIMIT = 64 * 1024


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    # No GitHub token: the run pushes its branch and ends without a PR to wait on.
    return agent_settings(
        tmp_path,
        run_agent_command=f"{AGENT_PYTHON} {AGENTS / 'flood_agent.py'}",
        run_agent_bind=str(AGENTS),
        run_artifact_max_bytes=LIMIT,
    )


async def test_flooding_agent_ends_with_truncated_artifacts_and_small_history(
    stack: Stack, tmp_path: Path
) -> None:
    api, sessions, temporal_client, _ = stack
    payload = copy.deepcopy(load_fixture("events/issues_labeled_ai_run.json"))
    bare = make_bare_remote(tmp_path, payload["repository"]["full_name"])
    payload["issue"]["body"] = "b" * (1 << 20)
    response = await deliver(api, "issues", payload)
    assert response.status_code == 200, response.text
    run_id = response.json()["runId"]
    run = await wait_run(sessions, run_id, status={"SUCCEEDED", "FAILED"}, within=120)
    assert run.status == "SUCCEEDED", run.error

    found = await artifacts(sessions, run_id)
    for name in ("plan", "implement", "patch", "log-implement"):
        item = found[name]
        assert item.truncated is True and item.size >= LIMIT, name
        assert len(item.content.encode()) < LIMIT + 200, name
        assert item.content.count("[truncated by hookflow") == 1, name
    assert run.branch and remote_head(bare, run.branch)  # the 5 MB file itself is pushed

    history = await temporal_client.get_workflow_handle(run.workflow_id).fetch_history()
    size = len(history.to_json().encode())
    print(f"workflow history: {size} bytes")
    assert size < 1_000_000, size
