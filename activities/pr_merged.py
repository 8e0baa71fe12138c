"""Merged-PR side effects: close the issues a PR names (with a comment), mark runs merged."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select
from temporalio import activity

from activities.closing_keywords import may_close
from activities.github_client import GitHubActivities, GitHubFactory
from contract.inputs import IssueRef
from db.engine import SessionFactory
from db.models import Run
from db.types import utcnow
from ghclient.bodies import marker
from routing.ai_run import RUN_BRANCH
from settings import Settings


@dataclass
class CloseIssueInput(IssueRef):
    pr_repo: str
    pr_number: int
    pr_url: str
    base_branch: str


@dataclass
class CloseIssueResult(IssueRef):
    outcome: str  # closed | already_closed | not_allowed
    title: str = ""


@dataclass
class NotClosedInput:
    """Issues a merged PR names in repositories it may not close (listed on the PR)."""

    repo: str
    pr_number: int
    issues: list[str]  # "owner/repo#N"


@dataclass
class RunMergedInput:
    repo: str
    head_branch: str
    pr_number: int
    pr_url: str


def close_comment(pr_repo: str, pr_number: int, pr_url: str, base: str, key: str) -> str:
    where = f" into `{base}`" if base else ""
    return (
        f"{marker(key)}\nClosed by [{pr_repo}#{pr_number}]({pr_url}), merged{where}. "
        "GitHub only closes issues for pull requests into the default branch; "
        "hookflow closed this one for it."
    )


class PRMergedActivities(GitHubActivities):
    def __init__(
        self, sessions: SessionFactory, settings: Settings, github: GitHubFactory | None = None
    ) -> None:
        super().__init__(settings, sessions, github)
        self._sessions: SessionFactory = sessions  # required here

    @activity.defn(name="pr.close_issue")
    async def close_issue(self, input: CloseIssueInput) -> CloseIssueResult:
        """Close one referenced issue with a comment linking the PR, unless already closed
        or in a repository this PR may not close (ALLOWED_REPOS, else the same owner)."""
        ref = input.ref
        if not may_close(input.pr_repo, input.repo, self._settings.allowed_repo_set):
            return CloseIssueResult(input.repo, input.issue_number, "not_allowed")
        what = f"close {ref} for {input.pr_repo}#{input.pr_number}"
        async with self._github_call(what) as github:
            issue = await github.get_issue(input.repo, input.issue_number)
            title = str(issue.get("title") or "")
            key = f"pr-merged:{input.pr_repo}#{input.pr_number}:closes:{ref}"
            if issue.get("state") == "closed":
                return CloseIssueResult(input.repo, input.issue_number, "already_closed", title)
            body = close_comment(
                input.pr_repo, input.pr_number, input.pr_url, input.base_branch, key
            )
            await github.ensure_comment(input.repo, input.issue_number, key=key, body=body)
            await github.update_issue(
                input.repo, input.issue_number, state="closed", state_reason="completed"
            )
        return CloseIssueResult(input.repo, input.issue_number, "closed", title)

    @activity.defn(name="pr.comment_not_closed")
    async def comment_not_closed(self, input: NotClosedInput) -> None:
        """Say on the PR which named issues hookflow left open, and why (once)."""
        key = f"pr-merged:{input.repo}#{input.pr_number}:not-closed"
        listed = "\n".join(f"- {ref}" for ref in input.issues)
        body = (
            "hookflow did not close these issues: they are in repositories this pull request "
            "may not close (only this repository, the repositories in ALLOWED_REPOS, or, "
            f"without an allow-list, repositories of the same owner).\n\n{listed}"
        )
        what = f"list issues not closed on {input.repo}#{input.pr_number}"
        async with self._github_call(what) as github:
            await github.ensure_comment(input.repo, input.pr_number, key=key, body=body)

    @activity.defn(name="pr.mark_run_merged")
    async def mark_run_merged(self, input: RunMergedInput) -> str | None:
        """Set `runs.merged_at` (and the PR) on the run whose branch the PR merged."""
        if not RUN_BRANCH.match(input.head_branch):
            return None
        async with self._sessions() as session:
            query = select(Run).where(Run.repo == input.repo, Run.branch == input.head_branch)
            run = (await session.exec(query)).first()
            if run is None:
                return None
            now = utcnow()
            run.merged_at = run.merged_at or now
            run.pr_number = run.pr_number or input.pr_number
            run.pr_url = run.pr_url or input.pr_url
            run.updated_at = now
            session.add(run)
            await session.commit()
            return str(run.id)
