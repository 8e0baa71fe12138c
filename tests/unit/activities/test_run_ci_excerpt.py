"""An AI run's CI feedback reads failed jobs through the same excerpter as CI-failure issues."""

from __future__ import annotations

from typing import Any

from temporalio.testing import ActivityEnvironment

from activities.run_github import CIExcerptInput, RunGitHubActivities
from settings import load_settings
from tests.support.ci_runs import ERROR_LINE, job_log
from tests.support.fakes import FakeGitHub


async def _excerpt(
    github: FakeGitHub, github_settings: dict[str, Any], ci: CIExcerptInput, jobs: list[Any]
) -> str:
    """The excerpt of failed run `ci.workflow_run_id`, whose jobs are `jobs`."""
    github.add_workflow_run(
        ci.repo, run_id=ci.workflow_run_id, name="CI", conclusion="failure", jobs=jobs
    )
    activities = RunGitHubActivities(load_settings(**github_settings))
    text: str = await ActivityEnvironment().run(activities.ci_failure_excerpt, ci)
    return text


async def test_ci_failure_excerpt_keeps_the_failing_steps_error(
    github: FakeGitHub, github_settings: dict[str, Any], repo: str
) -> None:
    jobs = [
        {
            "id": 70,
            "name": "test",
            "conclusion": "failure",
            "steps": [{"name": "Run pytest -q", "conclusion": "failure"}],
            "logs": job_log(filler_lines=3000),
        },
        {"id": 71, "name": "lint", "conclusion": "success", "logs": "all good\n"},
    ]
    text = await _excerpt(github, github_settings, CIExcerptInput(repo, 7, max_chars=4000), jobs)
    assert text.startswith("### Job test failed (step: Run pytest -q)")
    assert ERROR_LINE in text
    assert "tests/test_0.py" not in text  # far from the error: left out
    assert "cleanup error" not in text  # post-job steps are never the failure
    assert "lint" not in text
    assert len(text) <= 4000


async def test_ci_failure_excerpt_lists_jobs_whose_logs_expired(
    github: FakeGitHub, github_settings: dict[str, Any], repo: str
) -> None:
    jobs = [{"id": 80, "name": "build", "conclusion": "timed_out", "steps": []}]
    text = await _excerpt(github, github_settings, CIExcerptInput(repo, 8), jobs)
    assert text.startswith("### Job build failed")
