"""Agent backends without a process: the HTTP agent (phase JSON posted, errors classified by status,
unreachable is retryable) and the configurations that fail fast."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError

from tests.support.agent_phase import ISSUE, make_settings, phase, run_phase
from tests.support.fakes.agent import FakeAgentServer


async def test_run_phase_posts_phase_json_to_http_agent(tmp_path: Path) -> None:
    with FakeAgentServer() as agent:
        agent.reply = {"steps": ["one", "two"]}
        settings = make_settings(tmp_path, run_agent="http", run_agent_url=agent.url + "/agent")
        out = await run_phase(settings, phase("plan", None, previous={"qualify": {"q": 1}}))
    assert (out.kind, out.artifact) == ("json", {"steps": ["one", "two"]})
    body = agent.bodies[0]
    assert body["phase"] == "plan" and body["issue"] == ISSUE
    assert body["previous"] == {"qualify": {"q": 1}} and body["ciFailure"] is None


@pytest.mark.parametrize(
    ("status", "non_retryable"), [(503, False), (429, False), (400, True), (404, True)]
)
async def test_run_phase_classifies_http_agent_errors_by_status(
    tmp_path: Path, status: int, non_retryable: bool
) -> None:
    with FakeAgentServer() as agent:
        agent.status, agent.reply = status, {"error": "nope"}
        settings = make_settings(tmp_path, run_agent="http", run_agent_url=agent.url)
        with pytest.raises(ApplicationError) as caught:
            await run_phase(settings, phase("plan", None))
    assert caught.value.non_retryable is non_retryable
    assert str(status) in str(caught.value)


async def test_run_phase_http_agent_unreachable_is_retryable(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, run_agent="http", run_agent_url="http://127.0.0.1:9/x")
    with pytest.raises(ApplicationError) as caught:
        await run_phase(settings, phase("plan", None))
    assert caught.value.non_retryable is False and "unreachable" in str(caught.value)


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"run_agent": "command"},
        {"run_agent": "http"},
        {"run_agent": "", "run_agent_command": "echo"},
    ],
)
async def test_run_phase_fails_fast_when_no_agent_configured(
    tmp_path: Path, values: dict[str, Any]
) -> None:
    with pytest.raises(ApplicationError) as caught:
        await run_phase(make_settings(tmp_path, **values), phase("qualify", None))
    assert caught.value.non_retryable is True
    assert "RUN_AGENT=command" in str(caught.value) and "RUN_AGENT_COMMAND" in str(caught.value)
    assert "RUN_AGENT_URL" in str(caught.value)


async def test_run_phase_missing_command_is_non_retryable(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, run_agent="command", run_agent_command="no-such-agent-xyz --flag"
    )
    with pytest.raises(ApplicationError) as caught:
        await run_phase(settings, phase("qualify", None))
    assert caught.value.non_retryable is True and "no-such-agent-xyz" in str(caught.value)
