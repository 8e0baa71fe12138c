"""A run's first steps on GitHub: may whoever asked start work (RUN_TRIGGER_PERMISSION, read from
GitHub, failing closed)? a 👀 where they asked, swapped for the outcome at the end; the
discussion gathered for the agent. Each is a patched step: histories of runs that started before
it existed replay unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from workflows.activity_options import CRASH_DETECTION, GITHUB_ACTIVITY

with workflow.unsafe.imports_passed_through():
    from activities.run_context import IssueCommentsInput, RunContextActivities
    from activities.run_github import RunCommentInput, RunGitHubActivities
    from activities.trigger import (
        IgnoreDeliveryInput,
        PermissionInput,
        PermissionVerdict,
        TriggerActivities,
    )
    from contract.statuses import RunStatus
    from workflows.run import messages as msg
    from workflows.run.context import RunContext
    from workflows.run.errors import STEP_ERRORS, reason_of
    from workflows.run.inputs import RunResult

PATCH_TRIGGER = "trigger-permission"
PATCH_ACKNOWLEDGE = "acknowledge-reaction"
PATCH_COMMENTS = "issue-comments"
# The trigger check, RUNNING, the issue artifact and the run's config as local activities, all
# in the first workflow task: work begins one task-queue hop after the start instead of three.
PATCH_LOCAL_START = "run-start-local"

# A few quick tries, then the trigger is refused: a GitHub outage never reads as a yes.
PERMISSION_ACTIVITY: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "heartbeat_timeout": CRASH_DETECTION,
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=3),
}
# The same as a local activity (run by the workflow's own worker, which needs no heartbeat).
PERMISSION_LOCAL_ACTIVITY: dict[str, Any] = {
    k: v for k, v in PERMISSION_ACTIVITY.items() if k != "heartbeat_timeout"
}
# Waits (bounded) for the dispatcher to finish with the delivery before marking it.
IGNORE_DELIVERY_ACTIVITY: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1),
        maximum_interval=timedelta(seconds=5),
        maximum_attempts=12,
    ),
}


@dataclass
class Refusal:
    reason: str  # for operators (the run's error, the delivery's error)
    role: str | None  # the role GitHub reported; None when it could not be read
    needed: str


async def refusal_for(repo: str, login: str, *, local: bool = False) -> Refusal | None:
    """Why `login` may not start work on `repo` (None: they may)."""
    check, arg = TriggerActivities.check_permission, PermissionInput(repo, login)
    verdict: PermissionVerdict
    try:
        if local:
            verdict = await workflow.execute_local_activity_method(
                check, arg, **PERMISSION_LOCAL_ACTIVITY
            )
        else:
            verdict = await workflow.execute_activity_method(check, arg, **PERMISSION_ACTIVITY)
    except STEP_ERRORS as exc:
        reason = f"could not read @{login}'s permission on {repo}: {reason_of(exc)}"
        return Refusal(reason, None, "")
    if verdict.allowed:
        return None
    return Refusal(
        f"@{login} has `{verdict.role}` on {repo}; RUN_TRIGGER_PERMISSION={verdict.needed}",
        verdict.role,
        verdict.needed,
    )


async def ignore_delivery(repo: str, delivery_id: str | None, reason: str) -> None:
    try:
        await workflow.execute_activity_method(
            TriggerActivities.ignore_delivery,
            IgnoreDeliveryInput(delivery_id, repo, reason),
            **IGNORE_DELIVERY_ACTIVITY,
        )
    except ActivityError as exc:
        workflow.logger.warning("could not mark delivery %s ignored: %s", delivery_id, exc)


async def check_trigger(run: RunContext) -> RunResult | None:
    """For a run someone asked for on GitHub: None when they may start work; else the run
    ends IGNORED (the delivery too), with one polite comment."""
    sender = run.input.sender
    if sender is None or not workflow.patched(PATCH_TRIGGER):
        return None
    refusal = await refusal_for(run.input.repo, sender, local=run.local_start)
    if refusal is None:
        return None
    i = run.input
    body = msg.not_permitted_comment(
        login=sender, role=refusal.role, needed=refusal.needed, what="AI runs"
    )
    try:
        await workflow.execute_activity_method(
            RunGitHubActivities.comment,
            RunCommentInput(i.run_id, i.repo, i.issue_number, run.keyed("not-permitted"), body),
            **GITHUB_ACTIVITY,
        )
    except ActivityError as exc:
        workflow.logger.warning("could not answer %s: %s", sender, exc)
    await ignore_delivery(i.repo, i.delivery_id, refusal.reason)
    # Last: the run's row says it is done.
    await run.set_status(RunStatus.IGNORED, error=refusal.reason)
    return RunResult(i.run_id, RunStatus.IGNORED, refusal.reason)


async def acknowledge(run: RunContext) -> None:
    """👀 where the run was asked for, at once (replaced by the outcome when it ends)."""
    if run.config.github_enabled and workflow.patched(PATCH_ACKNOWLEDGE):
        run.acknowledged = await run.react("eyes")


async def gather_comments(run: RunContext) -> None:
    """The issue's discussion, stored for the phases (best effort: a run goes on without)."""
    if not run.config.github_enabled or not workflow.patched(PATCH_COMMENTS):
        return
    i = run.input
    try:
        result = await run.github(
            RunContextActivities.issue_comments,
            IssueCommentsInput(i.run_id, i.repo, i.issue_number),
        )
    except ActivityError as exc:
        await run.artifact("github-error-comments", "text", reason_of(exc))
        return
    run.comments_artifact = result.artifact
