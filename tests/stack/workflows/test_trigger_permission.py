"""Who may start work, on the real stack (Temporal, PostgreSQL, the fake GitHub): a label or
`/hookflow run` from someone below RUN_TRIGGER_PERMISSION starts nothing and gets one reply, the
delivery says why; a writer's label starts the run; the look-up is cached, and a GitHub error
there refuses (never allows)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from db.engine import SessionFactory
from db.models import Run, RunArtifact, WebhookEvent
from routing.commands import command_workflow_id
from tests.support.ai_run import REPO, RunStack, labelled_payload, run_settings
from tests.support.fakes import FakeGitHub
from tests.support.payloads import comment_payload
from tests.support.waiting import eventually, workflow_result
from tests.support.webhooks import deliver

PERMISSION_PATH = r"/collaborators/[^/]+/permission$"


@pytest.fixture
def settings_overrides(fake_github: FakeGitHub, tmp_path: Path) -> dict[str, Any]:
    return run_settings(fake_github, tmp_path, run_phases="qualify")


async def label_as(stack: RunStack, sender: str, *, delivery: str) -> tuple[int, str]:
    issue = stack.github.add_issue(REPO, title="Please fix", labels=("ai:run",))
    payload = labelled_payload(issue["number"], str(stack.bare))
    payload["sender"] = {"login": sender}
    response = await deliver(stack.api, "issues", payload, delivery=delivery)
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    return issue["number"], response.json()["runId"]


async def delivery_row(sessions: SessionFactory, delivery: str) -> WebhookEvent:
    async with sessions() as session:
        query = select(WebhookEvent).where(WebhookEvent.delivery_id == delivery)
        row = (await session.exec(query)).one()
        return row


def polite(fake: FakeGitHub, number: int) -> list[str]:
    return [c["body"] for c in fake.comments(REPO, number) if "Thanks for asking" in c["body"]]


async def test_label_by_a_triage_user_starts_nothing_and_gets_one_reply(
    run_stack: RunStack,
) -> None:
    api, sessions, fake_github, _, _ = run_stack
    fake_github.set_permission(REPO, "trini", "triage")
    delivery = str(uuid.uuid4())
    number, run_id = await label_as(run_stack, "trini", delivery=delivery)
    run = await run_stack.wait(run_id, status={"IGNORED"})
    assert run.error == f"@trini has `triage` on {REPO}; RUN_TRIGGER_PERMISSION=write"
    assert run.started_at is None and run.finished_at is not None

    async def marked() -> WebhookEvent | None:
        row = await delivery_row(sessions, delivery)
        return row if row.dispatch_status == "ignored" else None

    row = await eventually(marked, what="the delivery marked ignored")
    assert row.error == f"work not started: {run.error}"
    # A redelivery of the same delivery neither starts the run nor answers twice.
    again = await deliver(api, "issues", row.payload, delivery=delivery)
    assert again.status_code == 200
    [reply] = polite(fake_github, number)
    assert (
        "at least `write` access" in reply
        and "@trini's role on this repository is `triage`" in reply
    )
    async with sessions() as session:
        names = (
            await session.exec(select(RunArtifact.name).where(RunArtifact.run_id == run.id))
        ).all()
    assert names == []  # no agent phase ran
    assert fake_github.reactions(REPO, number) == []
    assert len(fake_github.comments(REPO, number)) == 1


async def test_label_by_a_writer_starts_the_run_and_the_lookup_is_cached(
    run_stack: RunStack,
) -> None:
    fake_github = run_stack.github
    fake_github.set_permission(REPO, "wendy", "write")
    runs = []
    for _ in range(2):
        _, run_id = await label_as(run_stack, "wendy", delivery=str(uuid.uuid4()))
        runs.append(await run_stack.wait(run_id, status={"SUCCEEDED", "FAILED", "IGNORED"}))
    assert [r.status for r in runs] == ["SUCCEEDED", "SUCCEEDED"], [r.error for r in runs]
    lookups = fake_github.requests_to("GET", PERMISSION_PATH)
    assert [r.path.rsplit("/", 2)[-2] for r in lookups] == ["wendy"]  # the second was cached


async def test_a_github_error_on_the_lookup_refuses_never_allows(run_stack: RunStack) -> None:
    fake_github = run_stack.github
    fake_github.fail_next("GET", PERMISSION_PATH, 502, times=10)
    number, run_id = await label_as(run_stack, "octocat", delivery=str(uuid.uuid4()))
    run = await run_stack.wait(run_id, status={"IGNORED", "SUCCEEDED", "FAILED"})
    assert run.status == "IGNORED"
    assert run.error is not None and "could not read @octocat's permission" in run.error
    assert "502" in run.error
    assert len(fake_github.requests_to("GET", PERMISSION_PATH)) == 3  # a few tries, then no
    [reply] = polite(fake_github, number)
    assert "could not confirm @octocat's permission" in reply


@pytest.mark.parametrize(
    ("text", "on_pull", "said"),
    [
        ("/hookflow run", False, "`/hookflow run`"),
        ("/hookflow cancel", False, "`/hookflow cancel`"),
        ("@hookflow please use the v2 client", True, "work on review feedback"),
    ],
)
async def test_commands_by_a_read_user_start_nothing_and_get_one_reply(
    run_stack: RunStack, text: str, on_pull: bool, said: str
) -> None:
    api, sessions, fake_github, _, temporal_client = run_stack
    fake_github.set_permission(REPO, "reed", "read")
    if on_pull:
        target = fake_github.add_pull(REPO, title="AI run", head="ai/issue-1-0123abcd")
    else:
        target = fake_github.add_issue(REPO, title="t")
    number = target["number"]
    comment_id = uuid.uuid4().int % 10**9  # workflow ids outlive a test: unique
    delivery = str(uuid.uuid4())
    # A collaborator by association: routing lets it through, the role decides.
    payload = comment_payload(
        REPO, number, comment_id, text, login="reed", association="COLLABORATOR", on_pull=on_pull
    )
    response = await deliver(api, "issue_comment", payload, delivery=delivery)
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    result = await workflow_result(
        temporal_client, command_workflow_id(REPO, "comment", comment_id)
    )
    assert result["outcome"] == "not-permitted"
    [reply] = [c["body"] for c in fake_github.comments(REPO, number)]
    assert said in reply and "role on this repository is `read`" in reply
    async with sessions() as session:
        assert (await session.exec(select(Run).where(Run.repo == REPO))).all() == []
    row = await delivery_row(sessions, delivery)
    assert row.dispatch_status == "ignored" and "@reed has `read`" in (row.error or "")
    assert fake_github.reactions(REPO, number, comment_id) == []
