"""PRMergedWorkflow: a merged pull request closes the issues its title and body name.

GitHub closes them itself only for PRs into the default branch; this closes them for every base
branch (an already closed issue is left alone), records each as a done task linked to the PR,
and marks the run merged when the PR's head branch is a run branch (`ai/issue-<n>-<short>`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from temporalio import workflow
from temporalio.exceptions import ActivityError

from workflows.activity_options import DB_ACTIVITY
from workflows.activity_options import PR_MERGED_GITHUB_ACTIVITY as GITHUB_ACTIVITY

with workflow.unsafe.imports_passed_through():
    from activities.closing_keywords import references_in_pull_request
    from activities.pr_merged import (
        CloseIssueInput,
        CloseIssueResult,
        NotClosedInput,
        PRMergedActivities,
        RunMergedInput,
    )
    from activities.tasks import TaskActivities, TaskUpdate
    from contract.inputs import IssueRef
    from contract.inputs import PRMergedInput as PRMergedInput
    from contract.names import Workflow
    from workflows import search_attributes as sa

MAX_ISSUES = 50  # a PR body listing more than this is not a closing list


@dataclass
class IssueOutcome(IssueRef):
    outcome: str  # closed | already_closed | not_allowed | failed
    reason: str | None = None


@dataclass
class PRMergedResult:
    issues: list[IssueOutcome] = field(default_factory=list)
    run_id: str | None = None


@workflow.defn(name=Workflow.PR_MERGED)
class PRMergedWorkflow:
    @workflow.run
    async def run(self, input: PRMergedInput) -> PRMergedResult:
        workflow.upsert_search_attributes(
            [
                sa.REPO.value_set(input.repo),
                sa.KIND.value_set("pr-merged"),
            ]
        )
        refs = references_in_pull_request(input.title, input.body, repo=input.repo)[:MAX_ISSUES]
        result = PRMergedResult()
        for ref in refs:
            result.issues.append(await self._close(input, ref.repo, ref.number))
        refused = [i.ref for i in result.issues if i.outcome == "not_allowed"]
        if refused:
            try:
                await workflow.execute_activity_method(
                    PRMergedActivities.comment_not_closed,
                    NotClosedInput(input.repo, input.pr_number, refused),
                    **GITHUB_ACTIVITY,
                )
            except ActivityError as exc:
                workflow.logger.warning("could not list issues not closed: %s", exc.cause or exc)
        if input.head_branch:
            result.run_id = await workflow.execute_activity_method(
                PRMergedActivities.mark_run_merged,
                RunMergedInput(input.repo, input.head_branch, input.pr_number, input.pr_url),
                **DB_ACTIVITY,
            )
        return result

    async def _close(self, input: PRMergedInput, repo: str, number: int) -> IssueOutcome:
        try:
            closed: CloseIssueResult = await workflow.execute_activity_method(
                PRMergedActivities.close_issue,
                CloseIssueInput(
                    repo, number, input.repo, input.pr_number, input.pr_url, input.base_branch
                ),
                **GITHUB_ACTIVITY,
            )
        except ActivityError as exc:
            # 404/422/permission: GitHub will say the same again; keep going with the others.
            reason = str(exc.cause or exc)
            workflow.logger.warning("could not close %s#%d: %s", repo, number, reason)
            return IssueOutcome(repo, number, "failed", reason)
        if closed.outcome == "not_allowed":
            return IssueOutcome(
                repo, number, "not_allowed", "not in ALLOWED_REPOS (or, without one, another owner)"
            )
        await workflow.execute_activity_method(
            TaskActivities.update,
            TaskUpdate(
                repo,
                number,
                "done",
                title=closed.title or None,
                linked_pr=input.pr_url,
                closed_at=workflow.now().isoformat(),
            ),
            **DB_ACTIVITY,
        )
        return IssueOutcome(repo, number, closed.outcome)
