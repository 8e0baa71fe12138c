"""RunWorkflow: one AI run on an issue labelled `ai:run`, read top to bottom in `_pipeline`.

Phases (RUN_PHASES) run as agent activities in a cloned workspace; after implement/test the
branch is pushed (behind an optional approval gate), a draft PR is opened and the run waits for
its CI result (the `ci_result` signal, sent by the ingestion API for the run branch). A CI failure
goes back to implement with the failed jobs' excerpt, up to RUN_MAX_CI_ITERATIONS; then ESCALATED.
A failed phase leaves the run FAILED, waiting RUN_RETRY_WINDOW for a `retry` signal that re-runs
that phase; `cancel` stops the running activity at once and ends the run CANCELLED.
Review feedback (the `feedback` signal) while waiting for CI runs implement again with the review
text; a follow-up execution (RunInput.start_iteration) does the same for a SUCCEEDED run.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable

from temporalio import workflow
from temporalio.exceptions import ActivityError

from workflows.activity_options import WORKSPACE_ACTIVITY

with workflow.unsafe.imports_passed_through():
    from activities.run_github import IssueContextInput, RunGitHubActivities
    from activities.workspace import (
        CleanupInput,
        WorkspaceActivities,
        WorkspaceInfo,
        WorkspaceInput,
    )
    from contract.inputs import CIResult, Feedback, RunInput
    from contract.names import HUMAN_RUN_SIGNALS as SIGNALS
    from contract.names import Query, Signal, Workflow
    from contract.statuses import RunStatus
    from routing.ai_run import BODY_MAX_CHARS, TITLE_MAX_CHARS, bounded
    from workflows import search_attributes as sa
    from workflows.run import intake
    from workflows.run import messages as msg
    from workflows.run.ci import push, until_ci_passes
    from workflows.run.context import Issue, RunContext
    from workflows.run.errors import STEP_ERRORS, RunCancelled, RunFailed, reason_of
    from workflows.run.feedback import decline_late_feedback, take_feedback
    from workflows.run.inputs import RunProgress, RunResult
    from workflows.run.phases import PhasePlan, Phases, step


@workflow.defn(name=Workflow.RUN)
class RunWorkflow:
    def __init__(self) -> None:
        self._run = RunContext()

    # --- signals and queries -------------------------------------------------------------

    @workflow.signal(name=Signal.APPROVE)
    def approve(self) -> None:
        self._run.approved = True

    @workflow.signal(name=Signal.CANCEL)
    def cancel(self) -> None:
        self._run.cancel = True

    @workflow.signal(name=Signal.RETRY)
    def retry(self) -> None:
        self._run.retry = True

    @workflow.signal(name=Signal.CI_RESULT)
    def ci_result(self, result: CIResult) -> None:
        self._run.ci.append(result)

    @workflow.signal(name=Signal.FEEDBACK)
    def feedback(self, feedback: Feedback) -> None:
        self._run.feedback.append(feedback)

    @workflow.query(name=Query.PROGRESS)
    def progress(self) -> RunProgress:
        return self._run.progress()

    # --- the run -------------------------------------------------------------------------

    @workflow.run
    async def run(self, input: RunInput) -> RunResult:
        run = self._run
        run.input_ = input
        run.issue = Issue(
            input.repo, input.issue_number, input.title, input.body, input.clone_url, input.branch
        )
        workflow.upsert_search_attributes(
            [
                sa.REPO.value_set(input.repo),
                sa.ISSUE_NUMBER.value_set(input.issue_number),
                sa.KIND.value_set("ai-run"),
            ]
        )
        run.local_start = workflow.patched(intake.PATCH_LOCAL_START)
        ignored = await intake.check_trigger(run)
        if ignored is not None:
            return ignored
        await run.set_status(RunStatus.RUNNING)
        await run.artifact(
            "issue",
            "json",
            json.dumps(
                {
                    "repo": input.repo,
                    "issueNumber": input.issue_number,
                    "title": input.title,
                    "body": input.body,
                    "branch": input.branch,
                },
                indent=2,
            ),
            local=run.local_start,
        )
        try:
            run.cfg = await run.read_config()
        except STEP_ERRORS as exc:
            return await run.finish(RunStatus.FAILED, error=reason_of(exc))

        workspace: WorkspaceInfo | None = None
        try:
            workspace = await self._pipeline(run)
            return await run.finish(RunStatus.SUCCEEDED)
        except RunCancelled:
            await run.comment(
                "cancelled",
                msg.cancelled_comment(run_id=input.run_id, phase=run.phase, link=run.link()),
            )
            return await run.finish(RunStatus.CANCELLED, error="cancelled by signal")
        except RunFailed as exc:
            return await run.finish(
                run.status if run.status == RunStatus.ESCALATED else RunStatus.FAILED,
                error=str(exc),
            )
        finally:
            if run.issue.clone_url or workspace is not None:
                with contextlib.suppress(ActivityError):
                    await workflow.execute_activity_method(
                        WorkspaceActivities.cleanup,
                        CleanupInput(input.run_id),
                        **WORKSPACE_ACTIVITY,
                    )

    async def _pipeline(self, run: RunContext) -> WorkspaceInfo | None:
        """The steps of a run, in order; the workspace to clean up is returned."""
        input, cfg = run.input, run.config
        await intake.acknowledge(run)
        await _complete_issue(run)
        await intake.gather_comments(run)
        if input.feedback is None:  # a follow-up's first comment is its acknowledgement
            await run.comment(
                "start",
                msg.start_comment(
                    run_id=input.run_id,
                    workflow_id=workflow.info().workflow_id,
                    branch=input.branch,
                    phases=cfg.phases,
                    link=run.link(),
                ),
            )
        phases = Phases(run, await _prepare_workspace(run))
        plan = PhasePlan(cfg.phases)
        run.iteration = max(1, input.start_iteration)

        if input.feedback is not None:  # a follow-up: the review text, then CI as before
            run.feedback.append(input.feedback)
            if not await take_feedback(run, phases, plan.fixing):
                return phases.workspace
        else:
            await phases.run_all(plan.before_push)
            if cfg.approval_required:
                await _wait_for_approval(run)

        await until_ci_passes(run, phases, plan)

        if input.feedback is None:
            await phases.run_all(plan.after_ci)
            if phases.workspace is not None and plan.after_ci:
                await push(
                    run, phases.workspace, f"hookflow: #{input.issue_number} docs and report"
                )
        await decline_late_feedback(run)
        summary = run.summary()
        await run.artifact("summary", "text", summary)
        await run.comment(
            "final",
            msg.final_comment(
                status=RunStatus.SUCCEEDED,
                run_id=input.run_id,
                iterations=run.iteration,
                pr_url=run.pr_url,
                summary=summary,
                link=run.link(),
                usage=run.usage,
                refused_hosts=run.refused_hosts,
            ),
        )
        return phases.workspace


# Signals by method reference for callers that get a name (API, slash commands).
SIGNAL_METHODS: dict[str, Callable[[RunWorkflow], None]] = {
    name: getattr(RunWorkflow, name) for name in SIGNALS
}


async def _complete_issue(run: RunContext) -> None:
    """Title, body, clone URL and default branch from GitHub when the input lacks them."""
    issue = run.issue
    assert issue is not None
    if not run.config.github_enabled or (issue.clone_url is not None and issue.title):
        return
    try:
        ctx = await run.github(
            RunGitHubActivities.issue_context, IssueContextInput(issue.repo, issue.number)
        )
    except ActivityError as exc:
        raise RunFailed(reason_of(exc)) from None
    issue.title = issue.title or bounded(ctx.title, TITLE_MAX_CHARS) or ""
    issue.body = issue.body if issue.body is not None else bounded(ctx.body, BODY_MAX_CHARS)
    issue.clone_url = issue.clone_url or ctx.clone_url
    issue.base_branch = ctx.default_branch


async def _prepare_workspace(run: RunContext) -> WorkspaceInfo | None:
    """Clone the repository onto the run branch. A clone URL (payload or GitHub) says the
    repository has git content; the clone itself always comes from GITHUB_GIT_URL/{repo}.git."""
    issue = run.issue
    assert issue is not None
    if not (issue.clone_url and issue.branch):
        return None
    workspace: WorkspaceInfo = await step(
        run,
        lambda: workflow.execute_activity_method(
            WorkspaceActivities.prepare,
            WorkspaceInput(run.input.run_id, issue.repo, issue.branch or "", issue.base_branch),
            **WORKSPACE_ACTIVITY,
        ),
        "prepare workspace",
    )
    return workspace


async def _wait_for_approval(run: RunContext) -> None:
    """WAITING_APPROVAL until `approve` (or `cancel`) before anything is pushed."""
    run.phase = "approval"
    await run.set_status(RunStatus.WAITING_APPROVAL)
    await workflow.wait_condition(lambda: run.approved or run.cancel)
    if run.cancel:
        raise RunCancelled()
    await run.set_status(RunStatus.RUNNING)
