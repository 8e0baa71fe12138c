"""CI runs on the fake GitHub: a fake with the test's own repository, failing job logs, workflow_run
payloads, the CI-failure issues."""

from __future__ import annotations

import copy
from typing import Any

from tests.support.fakes import FakeGitHub
from tests.support.files import load_fixture

WORKFLOW = "CI Tests"
ERROR_LINE = "E       AssertionError: expected 200 but the webhook answered 503"


class RepoGitHub(FakeGitHub):
    """The fake with the test's own repository (unique: workflow ids derive from it)."""

    repo = ""


def job_log(filler_lines: int = 5) -> str:
    """A GitHub Actions job log whose `Run pytest` step fails; the cleanup also errors."""
    lines = [
        "2026-01-01T12:00:00.0000000Z ##[group]Run actions/checkout@v4",
        "2026-01-01T12:00:00.1000000Z Syncing repository: acme/widgets",
        "2026-01-01T12:00:00.2000000Z ##[endgroup]",
        "2026-01-01T12:00:01.0000000Z ##[group]Run pytest -q",
        "2026-01-01T12:00:01.1000000Z pytest -q",
        "2026-01-01T12:00:01.2000000Z ##[endgroup]",
    ]
    lines += [
        f"2026-01-01T12:00:02.0000000Z tests/test_{i}.py ....  [{i}%]" for i in range(filler_lines)
    ]
    lines += [
        f"2026-01-01T12:00:03.0000000Z {ERROR_LINE}",
        "2026-01-01T12:00:03.1000000Z FAILED tests/test_webhooks.py::test_deliver",
        "2026-01-01T12:00:03.2000000Z ##[error]Process completed with exit code 1.",
        "2026-01-01T12:00:04.0000000Z Post job cleanup.",
        "2026-01-01T12:00:04.1000000Z Error: cleanup error that is not the failure",
    ]
    return "\n".join(lines) + "\n"


def add_run(
    github: RepoGitHub,
    run_id: int,
    *,
    conclusion: str = "failure",
    branch: str = "main",
    jobs: int = 1,
    filler_lines: int = 5,
) -> None:
    job_list = [
        {
            "id": run_id * 10 + j,
            "name": f"test ({j})",
            "conclusion": conclusion,
            "steps": [
                {"name": "Set up job", "conclusion": "success"},
                {"name": "Run pytest -q", "conclusion": conclusion},
            ],
            "logs": job_log(filler_lines),
        }
        for j in range(jobs)
    ]
    github.add_workflow_run(
        github.repo,
        run_id=run_id,
        name=WORKFLOW,
        head_branch=branch,
        conclusion=conclusion,
        jobs=job_list,
    )


def run_payload(
    repo: str, run_id: int, *, conclusion: str = "failure", branch: str = "main"
) -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture("events/workflow_run.failure.json"))
    payload["repository"]["full_name"] = repo
    run = payload["workflow_run"]
    run["head_repository"]["full_name"] = repo
    run.update(
        id=run_id,
        conclusion=conclusion,
        head_branch=branch,
        name=WORKFLOW,
        head_sha=f"{run_id:040x}",
        html_url=f"https://github.com/{repo}/actions/runs/{run_id}",
    )
    return payload


def ci_issues(github: RepoGitHub) -> list[dict[str, Any]]:
    return [
        i
        for i in github.issues(github.repo)
        if "ci-failure" in [label["name"] for label in i.get("labels", [])]
    ]
