"""RUN_AGENT=llm end to end on the real stack: issue labelled → the model (FakeLLM, with a 429,
a timeout and a malformed edit on the way) edits the repo → PR → CI green → SUCCEEDED; then a
review requesting changes starts a follow-up on the same branch."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.worker import Replayer

from tests.support.ai_run import (
    GH_TOKEN,
    REPO,
    RunStack,
    artifacts,
    get_run,
    git,
    run_settings,
)
from tests.support.fakes import FakeGitHub
from tests.support.fakes.llm import FakeLLM, LLMRequest, Step
from tests.support.waiting import eventually
from tests.support.webhooks import auth, deliver
from workflows.run.workflow import RunWorkflow

KEY = "sk-e2e-model-key"
PLAN = '{"files": ["README.md"], "steps": ["note the retry in README.md"]}'


def edit(old: str, new: str) -> str:
    return f"Document the retry.\nREADME.md\n<<<<<<< SEARCH\n{old}=======\n{new}>>>>>>> REPLACE\n"


FIRST = edit("# octo-repo\n", "# octo-repo\n\nThe importer retries 3 times.\n")
MALFORMED = "README.md\n<<<<<<< SEARCH\n# octo-repo\n>>>>>>> REPLACE\n"
SECOND = edit("The importer retries 3 times.\n", "The importer retries 5 times.\n")


def answer(request: LLMRequest) -> str:
    if request.phase == "plan":
        return PLAN
    if request.phase == "implement":
        return SECOND if "## Review feedback" in request.user_text else FIRST
    if request.phase == "test":
        return '{"passed": true, "notes": "README only"}'
    return "Documented the importer retry."


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM(answer) as fake:
        yield fake


@pytest.fixture
def llm_timeout() -> str:
    """Short, so the model's timeout (and the SDK's retry after it) shows within the test."""
    return "1s"


@pytest.fixture
def settings_overrides(
    fake_github: FakeGitHub, llm: FakeLLM, tmp_path: Path, llm_timeout: str
) -> dict[str, Any]:
    return run_settings(
        fake_github,
        tmp_path,
        run_agent="llm",
        run_agent_command="",
        run_phases="plan,implement,test,report",
        llm_base_url=llm.url,
        llm_model="fake-model",
        llm_api_key=KEY,
        llm_timeout=llm_timeout,
        llm_max_retries=2,
    )


def review(number: int, branch: str, body: str) -> dict[str, Any]:
    return {
        "action": "submitted",
        "repository": {"full_name": REPO},
        "pull_request": {"number": number, "head": {"ref": branch}},
        "review": {
            "id": 9001,
            "body": body,
            "state": "changes_requested",
            "author_association": "MEMBER",
            "user": {"login": "reviewer"},
            "html_url": f"https://github.com/{REPO}/pull/{number}#review-9001",
        },
        "sender": {"login": "reviewer"},
    }


async def test_labelled_issue_with_llm_agent_reaches_succeeded_then_takes_review(
    run_stack: RunStack, llm: FakeLLM
) -> None:
    api, sessions, fake_github, bare, temporal_client = run_stack
    # plan: a 429 with retry-after, then a timeout, then the answer; implement: malformed first.
    llm.then(
        Step(status=429, headers={"retry-after": "1"}),
        Step("{}", delay=2.5),
        Step(PLAN),
        Step(MALFORMED),
    )
    number, run_id = await run_stack.label()
    run = await run_stack.succeed(run_id)
    assert llm.phases() == ["plan"] * 3 + ["implement"] * 2 + ["test", "report"]
    assert "no '=======' line" in llm.requests[4].body["messages"][-1]["content"]
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in llm.requests)
    assert GH_TOKEN not in json.dumps([r.body for r in llm.requests])

    assert run.branch is not None
    readme = git("show", f"{run.branch}:README.md", cwd=bare)
    assert "The importer retries 3 times." in readme
    [pull] = fake_github.pulls(REPO)
    assert pull["head"]["ref"] == run.branch
    found = await artifacts(sessions, run_id)
    usage = json.loads(found["implement"].content)["usage"]
    assert usage == {
        "requests": 2,
        "prompt_tokens": 200,
        "completion_tokens": 40,
        "total_tokens": 240,
    }
    assert "README.md" in found["patch"].content
    final = next(
        c["body"]
        for c in fake_github.comments(REPO, number)
        if "finished: **SUCCEEDED**" in c["body"]
    )
    assert "| implement | 2 | 200 | 40 | 240 |" in final
    assert "| **total** | 5 | 500 | 100 | 600 |" in final, final  # 429 / timeout: no usage
    handle = temporal_client.get_workflow_handle(run.workflow_id)
    await handle.result()

    # Review feedback on the finished run: a follow-up execution on the same branch.
    response = await deliver(
        api, "pull_request_review", review(pull["number"], run.branch, "Make it 5 retries.")
    )
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    run = await run_stack.succeed(run_id)
    assert run.iteration == 2
    feedback_request = llm.requests[-2]
    assert feedback_request.phase == "implement"
    assert "Make it 5 retries." in feedback_request.user_text
    assert "### README.md\n```\n# octo-repo\n\nThe importer retries 3 times." in (
        feedback_request.user_text
    ), "the files the run changed are shown"
    assert "The importer retries 5 times." in git("show", f"{run.branch}:README.md", cwd=bare)
    assert len(fake_github.pulls(REPO)) == 1, "the follow-up pushes to the same PR"
    ack = [
        c
        for c in fake_github.comments(REPO, pull["number"])
        if "working on the feedback from @reviewer" in c["body"]
    ]
    assert len(ack) == 1
    finals = [
        c for c in fake_github.comments(REPO, number) if "finished: **SUCCEEDED**" in c["body"]
    ]
    assert len(finals) == 2
    await handle.result()
    await Replayer(workflows=[RunWorkflow]).replay_workflow(await handle.fetch_history())


# The model answers after 25 s and times out after 60: a second request could only come from a
# retry of the cancelled phase, not from the SDK retrying a timeout while the cancel is on its way.
@pytest.mark.parametrize("llm_timeout", ["60s"])
async def test_cancel_during_model_request_ends_run_at_once(
    run_stack: RunStack, llm: FakeLLM
) -> None:
    api, sessions, fake_github, _, temporal_client = run_stack
    llm.then(Step(PLAN, delay=25))  # far longer than the test waits
    number, run_id = await run_stack.label()
    await eventually(lambda: llm.requests, within=30, what="the plan request")
    run = await get_run(sessions, run_id)
    assert run.phase == "plan" and run.status == "RUNNING"
    response = await api.post(f"/api/runs/{run_id}/signals/cancel", headers=auth())
    assert response.status_code == 202
    # Far sooner than the model's 25 s answer: the request is cancelled, not waited for.
    run = await run_stack.wait(run_id, status={"CANCELLED"}, within=15)
    history = await temporal_client.get_workflow_handle(run.workflow_id).fetch_history()
    assert [
        e
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED
    ]
    assert len(llm.requests) == 1, "a cancelled phase is not retried"
    assert not fake_github.pulls(REPO)
