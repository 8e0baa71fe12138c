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
    def __init__(
        self,
        settings: Settings,
        github: GitHubFactory | None = None,
        renderer: Renderer | None = None,
    ) -> None:
        super().__init__(settings, github=github)
        self._renderer = renderer or Renderer(settings.notify_templates_dir)

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
        e = report.event
        key = _key(e, "comment")
        body = failure_comment_body(
            e,
            failed_jobs=report.failed_jobs,
            failure_count=report.failure_count,
            marker=marker(key),
        )
        what = f"comment on {e.repo}#{report.issue_number}"
        async with self._github_call(what) as github:
            await github.ensure_comment(e.repo, report.issue_number, key=key, body=body)

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
        e = report.event
        key = _key(e, "reopened")
        body = flaky_reopen_comment_body(
            e,
            failed_jobs=report.failed_jobs,
            recovered_sha=report.recovered_sha,
            marker=marker(key),
        )
        what = f"reopen {e.repo}#{report.issue_number}"
        async with self._github_call(what) as github:
            await github.update_issue(
                e.repo, report.issue_number, state="open", state_reason="reopened"
            )
            await github.add_labels(e.repo, report.issue_number, [FLAKY_LABEL])
            await github.ensure_comment(e.repo, report.issue_number, key=key, body=body)
