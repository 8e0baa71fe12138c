"""The built-in LLM agent against FakeLLM: prompts, bounded context, edits with one corrective
round trip, retries on 429 (retry-after) and timeouts, and the model key as the only credential."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from temporalio.exceptions import ApplicationError

from activities.agent_llm import LLMAgent
from activities.runs import agent_config_error
from settings import load_settings
from tests.support.fakes.llm import FakeLLM, Step

KEY = "sk-test-model-key-0001"
EDIT = (
    "Retry added.\nsrc/app.py\n<<<<<<< SEARCH\n    return {}\n=======\n    return 2\n"
    ">>>>>>> REPLACE\n"
)
GOOD_EDIT, BAD_EDIT = EDIT.format(1), EDIT.format(42)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("def f():\n    return 1\n")
    (root / "README.md").write_text("# app\n")
    return root


def agent(llm: FakeLLM, **extra: Any) -> LLMAgent:
    values: dict[str, Any] = {
        "run_agent": "llm",
        "llm_base_url": llm.url,
        "llm_model": "fake-model",
        "llm_api_key": KEY,
        "llm_timeout": "1s",
        "llm_max_retries": 2,
        "github_token": "gh-token-never-sent",
        "api_token": "api-token-never-sent",
        **extra,
    }
    return LLMAgent(load_settings(**values))


def request(phase: str, workspace: Path | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "phase": phase,
        "iteration": 1,
        "runId": "r1",
        "workspace": str(workspace or ""),
        "issue": {"repo": "o/r", "number": 7, "title": "Return 2", "body": "f() must return 2"},
        "previous": {"plan": {"answer": {"files": ["src/app.py"]}}},
        **extra,
    }


async def test_run_implement_applies_edits_and_counts_tokens(llm: FakeLLM, workspace: Path) -> None:
    llm.then(Step(GOOD_EDIT, prompt_tokens=300, completion_tokens=40))
    reply = await agent(llm).run(request("implement", workspace))
    assert (workspace / "src" / "app.py").read_text() == "def f():\n    return 2\n"
    assert reply.artifact["answer"] == {"summary": "Retry added.", "changed": ["src/app.py"]}
    assert reply.usage == {
        "requests": 1,
        "prompt_tokens": 300,
        "completion_tokens": 40,
        "total_tokens": 340,
    }
    sent = llm.requests[0]
    assert "def f():\n    return 1" in sent.user_text, "the file the plan names is shown"
    assert "README.md" in sent.user_text, "the file list is shown"
    assert "<<<<<<< SEARCH" in sent.body["messages"][0]["content"]
    assert sent.body["model"] == "fake-model" and sent.body["max_tokens"] == 4096


async def test_run_implement_sends_apply_error_back_once(llm: FakeLLM, workspace: Path) -> None:
    llm.then(Step(BAD_EDIT), Step(GOOD_EDIT))
    reply = await agent(llm).run(request("implement", workspace))
    assert (workspace / "src" / "app.py").read_text().endswith("return 2\n")
    second = llm.requests[1].body["messages"]
    assert second[-2] == {"role": "assistant", "content": BAD_EDIT}
    assert "SEARCH text was not found" in second[-1]["content"]
    assert reply.usage["requests"] == 2 and "attempt 1" in reply.log


async def test_run_implement_fails_when_edits_never_apply(llm: FakeLLM, workspace: Path) -> None:
    llm.then(Step(BAD_EDIT), Step("I could not do it."))
    with pytest.raises(ApplicationError) as err:
        await agent(llm).run(request("implement", workspace))
    assert err.value.type == "LLMEditFailed" and err.value.non_retryable
    assert "no SEARCH/REPLACE block" in str(err.value)
    assert len(llm.requests) == 2, "the error goes back to the model once, not more"
    assert (workspace / "src" / "app.py").read_text().endswith("return 1\n")


async def test_run_phase_honours_retry_after_on_429(llm: FakeLLM) -> None:
    llm.then(Step(status=429, headers={"retry-after": "1"}), Step('{"qualified": true}'))
    reply = await agent(llm).run(request("qualify"))
    assert reply.artifact["answer"] == {"qualified": True}
    first, second = llm.requests
    assert second.at - first.at >= 0.95, "the client waited what retry-after asked"


async def test_run_phase_retries_after_timeout(llm: FakeLLM) -> None:
    llm.then(Step('{"late": true}', delay=2.5), Step('{"qualified": true}'))
    reply = await agent(llm, llm_timeout="0.5s").run(request("qualify"))
    assert reply.artifact["answer"] == {"qualified": True}
    assert len(llm.requests) == 2


async def test_run_phase_gives_up_after_timeouts_retryable(llm: FakeLLM) -> None:
    llm.then(*(Step("{}", delay=1.5) for _ in range(2)))
    with pytest.raises(ApplicationError) as err:
        await agent(llm, llm_timeout="0.3s", llm_max_retries=1).run(request("qualify"))
    assert err.value.type == "LLMTimeout" and not err.value.non_retryable


async def test_run_phase_refused_request_not_retryable(llm: FakeLLM) -> None:
    llm.then(Step(status=401))
    with pytest.raises(ApplicationError) as err:
        await agent(llm).run(request("qualify"))
    assert err.value.non_retryable and "401" in str(err.value)
    assert len(llm.requests) == 1


async def test_run_phase_sends_only_model_key(
    llm: FakeLLM, monkeypatch: pytest.MonkeyPatch, workspace: Path
) -> None:
    monkeypatch.setenv("OPENAI_ORG_ID", "org-from-env")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-from-env")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key")
    llm.then(Step(GOOD_EDIT))
    await agent(llm).run(request("implement", workspace))
    sent = llm.requests[0]
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert "openai-organization" not in sent.headers and "openai-project" not in sent.headers
    everything = repr(sent.headers) + repr(sent.body)
    for secret in ("gh-token-never-sent", "api-token-never-sent", "sk-env-key"):
        assert secret not in everything


async def test_run_phase_reads_key_file_and_prompt_override(llm: FakeLLM, tmp_path: Path) -> None:
    (tmp_path / "key").write_text(KEY + "\n")
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "qualify.md").write_text("Phase: qualify. OUR HOUSE RULES apply.")
    await agent(
        llm, llm_api_key=None, llm_api_key_file=tmp_path / "key", run_prompts_dir=prompts
    ).run(request("qualify"))
    sent = llm.requests[0]
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert "OUR HOUSE RULES" in sent.user_text
    assert "hookflow" in sent.body["messages"][0]["content"], "packaged system prompt"


async def test_run_phase_bounds_repository_context(llm: FakeLLM, workspace: Path) -> None:
    (workspace / "src" / "app.py").write_text("x = 1\n" * 20_000)
    await agent(llm, llm_context_bytes=8_000).run(request("plan", workspace))
    sent = llm.requests[0].user_text
    assert len(sent.encode()) < 12_000
    assert "src/app.py\n(not shown: over LLM_CONTEXT_BYTES)" in sent


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"run_agent": "llm"}, "RUN_AGENT=llm needs LLM_MODEL"),
        (
            {"run_agent": "llm", "llm_model": "m", "llm_api_key_file": Path("/nonexistent/key")},
            "LLM_API_KEY_FILE=/nonexistent/key cannot be read",
        ),
        ({"run_agent": "llm", "llm_model": "m"}, None),  # Ollama & co. take no key
    ],
)
def test_agent_config_error_names_llm_setting(values: dict[str, Any], message: str | None) -> None:
    problem = agent_config_error(load_settings(**values))
    assert (problem is None) if message is None else (message in (problem or ""))


@pytest.mark.parametrize("name", ["llm_timeout", "run_feedback_window"])
def test_settings_refuse_bad_llm_duration(name: str) -> None:
    with pytest.raises(ValidationError, match="not a duration"):
        load_settings(**{name: "soon"})
