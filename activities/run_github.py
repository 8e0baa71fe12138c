"""GitHub write-back for AI runs: issue context, start/final/failure comments, the draft PR,
and failed CI job excerpts. Every write is idempotent (hidden markers / open-PR lookup)."""

from __future__ import annotations

from dataclasses import dataclass, field

from temporalio import activity

from activities.ci_excerpt import shrink_excerpt
from activities.ci_jobs import MAX_JOBS_WITH_LOGS, failed_jobs
from activities.github_client import GitHubActivities
from contract.inputs import IssueRef
from ghclient.bodies import fit_body


@dataclass
class IssueContextInput(IssueRef):
    """The issue a run started without a webhook payload reads its title and body from."""


@dataclass
class IssueContext:
    title: str
    body: str | None
    clone_url: str | None
    default_branch: str


@dataclass
class RunCommentInput:
    run_id: str
    repo: str
    issue_number: int
    key: str  # unique per comment of a run, e.g. "start", "final", "failure-1"
    body: str


@dataclass
class CommentResult:
    id: int
    url: str
    created: bool


@dataclass
class ReactInput:
    repo: str
    number: int  # the issue or pull request
    comment_id: int | None  # an issue comment on it, or None for the issue itself
    content: str | None  # the reaction hookflow leaves (None: only remove)
    remove: list[str] = field(default_factory=list)  # hookflow's own reactions to take back


@dataclass
class PullInput:
    run_id: str
    repo: str
    issue_number: int
    branch: str
    base: str
    title: str
    body: str


@dataclass
class PullResult:
    number: int
    url: str
    created: bool


@dataclass
class CIExcerptInput:
    repo: str
    workflow_run_id: int
    max_chars: int = 12_000


@dataclass
class CheckSuitesInput:
    repo: str
    head_sha: str


@dataclass
class SuiteState:
    """One app's check suite on the run's commit (GitHub Actions, Buildkite, …)."""

    id: int
    name: str
    status: str | None
    conclusion: str | None
    check_runs: int = 1  # latest_check_runs_count: 0 = an app that never ran checks here


def comment_key(run_id: str, key: str) -> str:
    return f"run-{run_id}-{key}"


class RunGitHubActivities(GitHubActivities):
    @activity.defn(name="run_github.issue_context")
    async def issue_context(self, input: IssueContextInput) -> IssueContext:
        """Title, body and clone URL of an issue (for runs started without a webhook payload)."""
        what = f"read {input.ref}"
        async with self._github_call(what) as github:
            issue = await github.get_issue(input.repo, input.issue_number)
            repo = await github.get_repo(input.repo)
        return IssueContext(
            title=str(issue.get("title") or ""),
            body=issue.get("body") if isinstance(issue.get("body"), str) else None,
            clone_url=repo.get("clone_url"),
            default_branch=str(repo.get("default_branch") or "main"),
        )

    @activity.defn(name="run_github.comment")
    async def comment(self, input: RunCommentInput) -> CommentResult:
        """Post a run comment once: a retry finds the earlier one by its marker."""
        key = comment_key(input.run_id, input.key)
        what = f"comment {input.key} on {input.repo}#{input.issue_number}"
        async with self._github_call(what) as github:
            found, created = await github.ensure_comment(
                input.repo, input.issue_number, key=key, body=input.body
            )
        return CommentResult(int(found["id"]), str(found.get("html_url") or ""), created)

    @activity.defn(name="run_github.react")
    async def react(self, input: ReactInput) -> None:
        """Swap hookflow's own reactions on an issue or comment (👀 → the outcome); a retry
        finds what an earlier attempt left and creates nothing twice."""
        target = (input.number, input.comment_id)
        on = f"comment {input.comment_id}" if input.comment_id else f"#{input.number}"
        what = f"react {input.content or '(remove)'} on {input.repo} {on}"
        async with self._github_call(what) as github:
            for reaction in await github.own_reactions(input.repo, target):
                if reaction.get("content") in input.remove:
                    await github.delete_reaction(input.repo, target, int(reaction["id"]))
            if input.content:
                await github.ensure_reaction(input.repo, target, input.content)

    @activity.defn(name="run_github.open_pull")
    async def open_pull(self, input: PullInput) -> PullResult:
        """Open the run's draft PR once: a retry finds the open PR for the run branch."""
        what = f"open draft PR {input.branch} -> {input.base} on {input.repo}"
        async with self._github_call(what) as github:
            pull, created = await github.ensure_pull(
                input.repo,
                head=input.branch,
                base=input.base,
                title=input.title,
                body=input.body,
                draft=True,
            )
        return PullResult(int(pull["number"]), str(pull.get("html_url") or ""), created)

    @activity.defn(name="run_github.check_suites")
    async def check_suites(self, input: CheckSuitesInput) -> list[SuiteState]:
        """Every check suite GitHub reports for the run's head commit."""
        what = f"list check suites of {input.head_sha[:12]} on {input.repo}"
        async with self._github_call(what) as github:
            suites = await github.list_check_suites(input.repo, input.head_sha)
        found = []
        for suite in suites:
            app = suite.get("app") if isinstance(suite.get("app"), dict) else {}
            count = suite.get("latest_check_runs_count")
            found.append(
                SuiteState(
                    id=int(suite.get("id") or 0),
                    name=str((app or {}).get("name") or (app or {}).get("slug") or "check suite"),
                    status=suite.get("status") if isinstance(suite.get("status"), str) else None,
                    conclusion=(
                        suite.get("conclusion")
                        if isinstance(suite.get("conclusion"), str)
                        else None
                    ),
                    check_runs=count if isinstance(count, int) else 1,
                )
            )
        return found

    @activity.defn(name="run_github.ci_failure_excerpt")
    async def ci_failure_excerpt(self, input: CIExcerptInput) -> str:
        """The failed jobs of a workflow run, each with the lines around its first error."""
        what = f"read jobs of workflow run {input.workflow_run_id} on {input.repo}"
        parts: list[str] = []
        async with self._github_call(what) as github:
            jobs = await failed_jobs(
                github, input.repo, input.workflow_run_id, max_chars=input.max_chars
            )
        for job in jobs[:MAX_JOBS_WITH_LOGS]:
            share = max(500, input.max_chars // min(len(jobs), MAX_JOBS_WITH_LOGS))
            header = f"### Job {job.name} failed"
            if job.failed_steps:
                header += f" (step: {', '.join(job.failed_steps)})"
            parts.append(f"{header}\n{shrink_excerpt(job.excerpt, share)}")
        if not parts:
            return f"workflow run {input.workflow_run_id}: no failed job found"
        return fit_body("\n\n".join(parts), input.max_chars, keep="tail")
