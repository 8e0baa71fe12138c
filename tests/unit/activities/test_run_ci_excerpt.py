"""An AI run's CI feedback reads failed jobs through the same excerpter as CI-failure issues."""

from __future__ import annotations

import uuid

from temporalio.testing import ActivityEnvironment

from activities.run_github import CIExcerptInput, RunGitHubActivities
from settings import load_settings
from tests.support.ci_runs import ERROR_LINE, job_log
from tests.support.fakes import FakeGitHub


def _activities(github: FakeGitHub) -> RunGitHubActivities:
    return RunGitHubActivities(
        load_settings(github_api_url=github.url, github_token="gh-test-token")
    )


def _add_run(github: FakeGitHub, repo: str, run_id: int, jobs: list[dict[str, object]]) -> None:
    github.add_repo(repo)
    github.add_workflow_run(repo, run_id=run_id, name="CI", conclusion="failure", jobs=jobs)


async def test_ci_failure_excerpt_keeps_the_failing_steps_error() -> None:
    with FakeGitHub(token="gh-test-token") as github:
        repo = f"acme/widgets-{uuid.uuid4().hex[:8]}"
        _add_run(
            github,
            repo,
            7,
            [
                {
                    "id": 70,
                    "name": "test",
                    "conclusion": "failure",
                    "steps": [{"name": "Run pytest -q", "conclusion": "failure"}],
                    "logs": job_log(filler_lines=3000),
                },
                {"id": 71, "name": "lint", "conclusion": "success", "logs": "all good\n"},
            ],
        )
        text = await ActivityEnvironment().run(
            _activities(github).ci_failure_excerpt, CIExcerptInput(repo, 7, max_chars=4000)
        )
    assert text.startswith("### Job test failed (step: Run pytest -q)")
    assert ERROR_LINE in text
    assert "tests/test_0.py" not in text  # far from the error: left out
    assert "cleanup error" not in text  # post-job steps are never the failure
    assert "lint" not in text
    assert len(text) <= 4000


async def test_ci_failure_excerpt_lists_jobs_whose_logs_expired() -> None:
    with FakeGitHub(token="gh-test-token") as github:
        repo = f"acme/widgets-{uuid.uuid4().hex[:8]}"
        _add_run(
            github,
            repo,
            8,
            [
                {"id": 80, "name": "build", "conclusion": "timed_out", "steps": []},
            ],
        )
        text = await ActivityEnvironment().run(
            _activities(github).ci_failure_excerpt, CIExcerptInput(repo, 8)
        )
    assert text.startswith("### Job build failed")
