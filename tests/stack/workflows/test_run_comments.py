"""What a failed run says in public: the phase and links to the run, never the agent's stderr,
URLs or git errors (those stay in the run's artifacts). Real Temporal + Postgres, FakeGitHub."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.ai_run import (
    AGENT_PYTHON,
    REPO,
    UI_URL,
    RunStack,
    artifacts,
    marker_comments,
)
from tests.support.waiting import eventually

pytestmark = pytest.mark.usefixtures("run_stack_settings")


LEAK = "fatal: unable to access 'https://x-access-token:ghs_leaky@git.internal/o/r.git/'"
PUBLIC_URL = "https://hookflow.example.com"


@pytest.fixture
def extra_settings(tmp_path: Path) -> dict[str, Any]:
    agent = tmp_path / "failing_agent.py"
    agent.write_text(
        f"import sys\nsys.stdin.read()\nprint({LEAK!r}, file=sys.stderr)\nsys.exit(3)\n"
    )
    # The sandbox shows the agent the system interpreter and RUN_AGENT_BIND only.
    return {
        "run_agent_command": f"{AGENT_PYTHON} {agent}",
        "run_agent_bind": str(tmp_path),
        "run_retry_window": "1s",
        "api_public_url": PUBLIC_URL + "/",
    }


async def test_failure_comment_names_phase_and_links_but_keeps_stderr_in_artifacts(
    run_stack: RunStack, temporal_namespace: str
) -> None:
    _, sessions, fake_github, _, _ = run_stack
    number, run_id = await run_stack.label()
    await eventually(
        lambda: marker_comments(fake_github, number, run_id).get("failure-1"),
        60,
        "the failure comment",
    )
    [body] = [
        c["body"]
        for c in fake_github.comments(REPO, number)
        if f"hookflow:run-{run_id}-failure-1 " in c["body"]
    ]
    assert "failed in phase `qualify`" in body
    assert f"{PUBLIC_URL}/api/runs/{run_id}/artifacts" in body
    assert f"{UI_URL}/namespaces/{temporal_namespace}/workflows/" in body
    for internal in ("ghs_leaky", "x-access-token", "git.internal", "fatal:", "exited with"):
        assert internal not in body
    run = await run_stack.wait(run_id, status={"FAILED"})
    found = await artifacts(sessions, run_id)
    assert LEAK in found["failure-1"].content  # the operator still sees what went wrong
    assert LEAK in (run.error or "")
    # No comment of the run quotes the error.
    assert all("ghs_leaky" not in c["body"] for c in fake_github.comments(REPO, number))
