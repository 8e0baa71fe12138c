"""Merged PR → close the issues it names, record tasks, mark the run merged (issue 5)."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import httpx
import pytest
from sqlmodel import select

from db.engine import SessionFactory
from db.models import Run, Task
from routing.automation import pr_merged_workflow_id
from tests.support.app import Stack
from tests.support.fakes import FakeGitHub
from tests.support.files import load_fixture
from tests.support.record_histories import RecordHistory
from tests.support.waiting import workflow_result
from tests.support.webhooks import deliver


@pytest.fixture
def owner(github: FakeGitHub) -> str:
    """An owner of the test's own, with repositories `app` and `other` (and `x<owner>/lib`)."""
    name = f"o{uuid.uuid4().hex[:8]}"
    for repo in (f"{name}/app", f"{name}/other", f"x{name}/lib"):  # the last: another owner
        github.add_repo(repo)
    return name


@pytest.fixture
def app(owner: str) -> str:
    """The repository the merged pull requests belong to."""
    return f"{owner}/app"


@pytest.fixture
def allowed_repos() -> str:
    return ""


@pytest.fixture
def settings_overrides(
    github_settings: dict[str, Any], allowed_repos: str, owner: str
) -> dict[str, Any]:
    return {**github_settings, "allowed_repos": allowed_repos.format(owner=owner)}


def merged_payload(
    repo: str,
    number: int,
    *,
    body: str,
    base: str = "main",
    head: str = "feature/retry",
    title: str = "Add retry",
) -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture("events/pull_request.merged.json"))
    payload["repository"]["full_name"] = repo
    payload["number"] = number
    pr = payload["pull_request"]
    pr.update(
        number=number, title=title, body=body, html_url=f"https://github.com/{repo}/pull/{number}"
    )
    pr["base"]["ref"] = base
    pr["head"]["ref"] = head
    return payload


async def merge(stack: Stack, repo: str, number: int, **pr: str) -> dict[str, Any]:
    """Deliver pull request `number` of `repo` merged (merged_payload's `pr` fields) and return
    the result of the workflow it starts."""
    response = await deliver(stack.api, "pull_request", merged_payload(repo, number, **pr))
    assert response.status_code == 200, response.text
    assert pr_merged_workflow_id(repo, number) in response.json()["workflowIds"]
    result: dict[str, Any] = await workflow_result(
        stack.client, pr_merged_workflow_id(repo, number)
    )
    return result


async def tasks(sessions: SessionFactory) -> dict[tuple[str, int], Task]:
    async with sessions() as session:
        rows = (await session.exec(select(Task))).all()
    return {(t.repo, t.issue_number): t for t in rows}


async def test_merged_pr_into_non_default_branch_closes_same_and_cross_repo_issues(
    stack: Stack, github: FakeGitHub, owner: str, app: str, record_history: RecordHistory
) -> None:
    other = f"{owner}/other"
    github.add_issue(app, title="Retries are missing")
    github.add_issue(other, title="Placeholder")
    github.add_issue(other, title="Other repo needs the retry too")
    body = "Retries webhook deliveries.\n\nFixes #1, fixes " + other + "#2"
    result = await merge(stack, app, 7, body=body, base="release/1.x")
    assert sorted((i["repo"], i["issue_number"], i["outcome"]) for i in result["issues"]) == [
        (app, 1, "closed"),
        (other, 2, "closed"),
    ]
    for repo, number in ((app, 1), (other, 2)):
        issue = github.issue(repo, number)
        assert issue["state"] == "closed" and issue["state_reason"] == "completed"
        comments = github.comments(repo, number)
        assert len(comments) == 1
        assert f"https://github.com/{app}/pull/7" in comments[0]["body"]
        assert "release/1.x" in comments[0]["body"]
    assert github.issue(other, 1)["state"] == "open"  # not referenced
    rows = await tasks(stack.sessions)
    for key in ((app, 1), (other, 2)):
        assert rows[key].status == "done"
        assert rows[key].linked_pr == f"https://github.com/{app}/pull/7"
        assert rows[key].closed_at is not None
    assert rows[(app, 1)].title == "Retries are missing"
    await record_history(
        "pr_merged/closed_same_and_cross_repo_issues", pr_merged_workflow_id(app, 7)
    )


async def test_merged_pr_leaves_closed_issues_alone_and_records_missing_ones(
    stack: Stack, github: FakeGitHub, app: str
) -> None:
    github.add_issue(app, title="Already done", state="closed")
    github.add_issue(app, title="Still open")
    result = await merge(stack, app, 8, body="Closes #1\nResolves #2\nfixes #99")
    outcomes = {i["issue_number"]: i for i in result["issues"]}
    assert outcomes[1]["outcome"] == "already_closed"
    assert outcomes[2]["outcome"] == "closed"
    assert outcomes[99]["outcome"] == "failed"
    assert "404" in outcomes[99]["reason"]
    assert github.comments(app, 1) == []  # a closed issue gets no comment
    # 404 is not retried.
    assert len(github.requests_to("GET", rf"/repos/{app}/issues/99$")) == 1


async def test_merged_pr_retries_rate_limit_without_duplicate_comment(
    stack: Stack, github: FakeGitHub, app: str
) -> None:
    github.add_issue(app, title="Rate limited")
    # The close fails after the comment was written: the retry must find that comment.
    github.fail_next("PATCH", rf"/repos/{app}/issues/1$", 429, headers={"retry-after": "1"})
    await merge(stack, app, 9, body="fix #1")
    assert github.issue(app, 1)["state"] == "closed"
    assert len(github.comments(app, 1)) == 1
    assert len(github.requests_to("PATCH", rf"/repos/{app}/issues/1$")) == 2


async def test_merged_run_branch_marks_run_merged(
    stack: Stack, github: FakeGitHub, app: str
) -> None:
    sessions = stack.sessions
    github.add_issue(app, title="Do the thing")
    run_id = uuid.uuid4()
    branch = f"ai/issue-1-{run_id.hex[:8]}"
    async with sessions() as session:
        session.add(
            Run(
                id=run_id,
                repo=app,
                issue_number=1,
                title="Do the thing",
                status="SUCCEEDED",
                workflow_id="ai-run-x",
                branch=branch,
            )
        )
        await session.commit()
    result = await merge(stack, app, 10, body="Closes #1", head=branch)
    assert result["run_id"] == str(run_id)
    async with sessions() as session:
        run = await session.get(Run, run_id)
    assert run is not None and run.merged_at is not None
    assert run.pr_number == 10


async def test_closed_unmerged_pr_starts_nothing(api: httpx.AsyncClient, app: str) -> None:
    payload = merged_payload(app, 11, body="Fixes #1")
    payload["pull_request"]["merged"] = False
    response = await deliver(api, "pull_request", payload)
    assert response.status_code == 200
    ids = response.json().get("workflowIds", [])
    assert not any(i.startswith("pr-merged-") for i in ids)


@pytest.mark.parametrize(
    ("allowed_repos", "closed", "left_open"),
    [("", ["app", "other"], ["lib"]), ("{owner}/app,x{owner}/lib", ["app", "lib"], ["other"])],
)
async def test_merged_pr_closes_cross_repo_issues_only_where_allowed(
    stack: Stack, github: FakeGitHub, owner: str, closed: list[str], left_open: list[str]
) -> None:
    repos = {"app": f"{owner}/app", "other": f"{owner}/other", "lib": f"x{owner}/lib"}
    for name in repos.values():
        github.add_issue(name, title=f"Bug in {name}")
    body = "\n".join(f"Fixes {repo}#1" for repo in repos.values())
    pr = github.add_pull(repos["app"], title="Fix all", head="fix-all", body=body)["number"]
    result = await merge(stack, repos["app"], pr, body=body)
    outcomes = {i["repo"]: i["outcome"] for i in result["issues"]}
    assert outcomes == {repos[n]: "closed" for n in closed} | {
        repos[n]: "not_allowed" for n in left_open
    }
    for name in closed:
        assert github.issue(repos[name], 1)["state"] == "closed"
    [note] = github.comments(repos["app"], pr)  # on the PR: what was left open
    for name in left_open:
        assert github.issue(repos[name], 1)["state"] == "open"
        assert github.comments(repos[name], 1) == []
        assert f"- {repos[name]}#1" in note["body"]
    for name in closed:
        assert f"{repos[name]}#1" not in note["body"]
    assert not github.requests_to("*", rf"/repos/{repos[left_open[0]]}/")


async def test_merged_pr_ignores_closing_marker_in_strangers_comment(
    stack: Stack, github: FakeGitHub, app: str
) -> None:
    github.add_issue(app, title="Suppress me")
    # A stranger pastes hookflow's marker for the coming close, hoping it skips its comment.
    key = f"pr-merged:{app}#21:closes:{app}#1"
    github.add_comment(app, 1, f"<!-- hookflow:{key} -->", author="mallory")
    await merge(stack, app, 21, body="Fixes #1")
    authors = [
        (c["user"]["login"], f"hookflow:{key}" in c["body"]) for c in github.comments(app, 1)
    ]
    assert authors == [("mallory", True), ("hookflow-bot", True)]
    assert github.issue(app, 1)["state"] == "closed"
