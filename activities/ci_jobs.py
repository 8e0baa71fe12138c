"""The failed jobs of a workflow run with an excerpt of each job's log (one reader for both the
CI-failure issues and an AI run's CI feedback)."""

from __future__ import annotations

from typing import Any

from temporalio import activity

from activities.ci_excerpt import log_excerpt
from activities.ci_failed_jobs import FailedJob
from activities.github_errors import github_call
from ghclient import GitHubClient
from ghclient.errors import GitHubNotFound
from routing.ci_conclusions import FAILED_CONCLUSIONS

MAX_JOBS_WITH_LOGS = 10


def _failed_steps(job: dict[str, Any]) -> list[str]:
    steps = job.get("steps") or []
    return [str(s.get("name")) for s in steps if s.get("conclusion") in FAILED_CONCLUSIONS]


async def _excerpt(
    github: GitHubClient, repo: str, job_id: int, steps: list[str], max_chars: int
) -> str:
    async with github_call(f"download logs of job {job_id} in {repo}"):
        try:
            text = await github.download_job_logs(repo, job_id)
        except GitHubNotFound:
            return ""  # logs expired or deleted: the job is still listed
    return log_excerpt(text, step_name=steps[0] if steps else None, max_chars=max_chars)


async def failed_jobs(
    github: GitHubClient,
    repo: str,
    run_id: int,
    *,
    max_chars: int = 20_000,
    with_logs: int = MAX_JOBS_WITH_LOGS,
) -> list[FailedJob]:
    """The run's failed jobs with their failed steps; the first `with_logs` get an excerpt of
    at most `max_chars` characters around the failing step's first error."""
    result: list[FailedJob] = []
    async with github_call(f"list jobs of run {run_id} in {repo}"):
        jobs = await github.list_run_jobs(repo, run_id)
    for job in jobs:
        if job.get("conclusion") not in FAILED_CONCLUSIONS:
            continue
        steps = _failed_steps(job)
        excerpt = ""
        if len(result) < with_logs:
            activity.heartbeat(job.get("id"))
            excerpt = await _excerpt(github, repo, int(job["id"]), steps, max_chars)
        result.append(
            FailedJob(
                name=str(job.get("name") or job.get("id")),
                url=str(job.get("html_url") or ""),
                failed_steps=steps,
                excerpt=excerpt,
            )
        )
    return result
