"""CI-failure side effects: read a run's failed jobs and logs, open/comment/close/reopen its issue.

Every write is idempotent: issues and comments carry a hidden marker keyed by the run, so a
retried activity finds what its earlier attempt wrote instead of writing it twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from temporalio import activity

from activities.ci_failed_jobs import FailedJob
from activities.ci_failure_bodies import (
    failure_comment_body,
    failure_issue_body,
    failure_issue_title,
    flaky_reopen_comment_body,
    recovery_comment_body,
)
from activities.ci_jobs import failed_jobs
from activities.github_client import GitHubActivities, GitHubFactory
from contract.inputs import CIRunEvent as CIRunEvent
from contract.inputs import CISettings as CISettings
from ghclient.bodies import marker
from notify.render import Renderer
from routing.workflow_ids import fingerprint
from settings import Settings

FLAKY_LABEL = "flaky"


@dataclass
class IssueInfo:
    number: int
    url: str = ""
    created: bool = False


@dataclass
class FailureReport:
    """A failed run and the issue it is reported on (number 0 = open a new issue)."""

    event: CIRunEvent
    label: str
    issue_number: int = 0
    failure_count: int = 1
    failed_jobs: list[FailedJob] = field(default_factory=list)
    recovered_sha: str | None = None


def _key(event: CIRunEvent, what: str) -> str:
    fp = fingerprint(event.repo, event.workflow, event.branch)
    return f"ci-failure:{fp}:{what}:{event.run_id}:{event.attempt}"


class CIFailureActivities(GitHubActivities):
    def __init__(self, settings: Settings, github: GitHubFactory, renderer: Renderer) -> None:
        super().__init__(settings, github=github)
        self._renderer = renderer

    @activity.defn(name="ci.settings")
    async def ci_settings(self) -> CISettings:
        """The label and reopen window, read once into the workflow's history."""
        window = self._settings.ci_failure_reopen_window
        return CISettings(self._settings.ci_failure_label, window.total_seconds())

    @activity.defn(name="ci.collect_failed_jobs")
    async def collect_failed_jobs(self, event: CIRunEvent) -> list[FailedJob]:
        """The run's failed jobs with their failed steps and a log excerpt of each."""
        async with self._github() as github:
            return await failed_jobs(github, event.repo, event.run_id)

    @activity.defn(name="ci.open_issue")
    async def open_issue(self, report: FailureReport) -> IssueInfo:
        """Open the issue for a first failure (or find the one an earlier attempt opened)."""
        e = report.event
        key = _key(e, "issue")
        body = failure_issue_body(
            e, failed_jobs=report.failed_jobs, marker=marker(key), renderer=self._renderer
        )
        what = f"open CI-failure issue in {e.repo}"
        async with self._github_call(what) as github:
            issue, created = await github.ensure_issue(
                e.repo,
                key=key,
                title=failure_issue_title(e.workflow, e.branch, run=e, renderer=self._renderer),
                body=body,
                labels=[report.label],
            )
        return IssueInfo(int(issue["number"]), str(issue.get("html_url") or ""), created)

    @activity.defn(name="ci.comment_failure")
    async def comment_failure(self, report: FailureReport) -> None:
        """Add a repeat failure to the open issue."""
        await self._failed_again(report, reopen=False)

    @activity.defn(name="ci.close_recovered")
    async def close_recovered(self, report: FailureReport) -> None:
        """A green run: say so on the issue and close it as completed."""
        e = report.event
        key = _key(e, "recovered")
        body = recovery_comment_body(e, marker=marker(key))
        what = f"close {e.repo}#{report.issue_number}"
        async with self._github_call(what) as github:
            await github.ensure_comment(e.repo, report.issue_number, key=key, body=body)
            await github.update_issue(
                e.repo, report.issue_number, state="closed", state_reason="completed"
            )

    @activity.defn(name="ci.reopen_flaky")
    async def reopen_flaky(self, report: FailureReport) -> None:
        """A failure soon after the issue was closed: reopen it and label it flaky."""
        await self._failed_again(report, reopen=True)

    async def _failed_again(self, report: FailureReport, *, reopen: bool) -> None:
        """Another failure on the run's issue: a comment with its failed jobs, after reopening
        the issue and labelling it flaky when it was closed."""
        e, n, jobs = report.event, report.issue_number, report.failed_jobs
        stage, doing = ("reopened", "reopen") if reopen else ("comment", "comment on")
        key = _key(e, stage)
        mark = marker(key)
        if reopen:
            sha = report.recovered_sha
            body = flaky_reopen_comment_body(e, failed_jobs=jobs, recovered_sha=sha, marker=mark)
        else:
            count = report.failure_count
            body = failure_comment_body(e, failed_jobs=jobs, failure_count=count, marker=mark)
        async with self._github_call(f"{doing} {e.repo}#{n}") as github:
            if reopen:
                await github.update_issue(e.repo, n, state="open", state_reason="reopened")
                await github.add_labels(e.repo, n, [FLAKY_LABEL])
            await github.ensure_comment(e.repo, n, key=key, body=body)
