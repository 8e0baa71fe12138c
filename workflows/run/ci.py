"""The CI loop: push, open the draft PR, wait for CI (or review feedback), fix and push again,
until CI passes or the iteration limits escalate the run to a person."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import timedelta
from typing import NoReturn

from temporalio import workflow
from temporalio.exceptions import ActivityError

from workflows.activity_options import WORKSPACE_ACTIVITY

with workflow.unsafe.imports_passed_through():
    from activities.run_github import (
        CheckSuitesInput,
        CIExcerptInput,
        PullInput,
        RunGitHubActivities,
    )
    from activities.workspace import PushInput, WorkspaceActivities, WorkspaceInfo
    from contract.inputs import CIResult
    from contract.statuses import RunStatus
    from workflows.ci_verdict import PASSING, ci_verdict
    from workflows.run import messages as msg
    from workflows.run.context import RunContext
    from workflows.run.errors import RunCancelled, RunFailed, reason_of
    from workflows.run.feedback import take_feedback
    from workflows.run.phases import PhasePlan, Phases, step

CI_RECHECK_SECONDS = 60.0  # how often a run looks again at check suites still running


async def until_ci_passes(run: RunContext, phases: Phases, plan: PhasePlan) -> None:
    """Push and wait for CI until it passes; a failure re-runs the fixing phases with the
    failed jobs' excerpt, review feedback with its text. Without GitHub, one push."""
    workspace, cfg, number = phases.workspace, run.config, run.input.issue_number
    while workspace is not None:
        head_sha = await push(run, workspace, f"hookflow: #{number} iteration {run.iteration}")
        if not cfg.github_enabled or head_sha is None:
            break  # no GitHub write-back, or nothing changed: no PR and no CI to wait for
        if run.pr_number is None:
            await _open_pull(run, workspace)
        result = await _wait_ci_or_feedback(run, head_sha)
        if result is None:  # review feedback arrived first: implement it, push again
            await take_feedback(run, phases, plan.fixing)
            continue
        if result.conclusion in PASSING:
            break
        run.ci_failures += 1
        excerpt = await _ci_excerpt(run, result)
        await run.artifact(f"ci-failure-{run.ci_failures}", "text", excerpt)
        # Review feedback iterations count toward RUN_MAX_ITERATIONS as well.
        if run.ci_failures >= cfg.max_ci_iterations or run.iteration >= cfg.max_iterations:
            await _escalate(run, result, excerpt)
        run.iteration += 1
        await phases.run_all(plan.fixing, ci_failure=excerpt)


async def push(run: RunContext, workspace: WorkspaceInfo, message: str) -> str | None:
    """Commit and push the workspace; the new head, or None when nothing changed."""
    i = run.input
    result = await step(
        run,
        lambda: workflow.execute_activity_method(
            WorkspaceActivities.push,
            PushInput(i.run_id, workspace.path, i.branch or "", message, i.repo),
            **WORKSPACE_ACTIVITY,
        ),
        "push branch",
    )
    head: str | None = result.head_sha
    return head


async def _open_pull(run: RunContext, workspace: WorkspaceInfo) -> None:
    i, title = run.input, run.issue.title if run.issue else ""
    body = msg.pull_body(
        issue_number=i.issue_number, run_id=i.run_id, summary=run.summary(), link=run.link()
    )
    try:
        pull = await run.github(
            RunGitHubActivities.open_pull,
            PullInput(
                i.run_id,
                i.repo,
                i.issue_number,
                i.branch or "",
                workspace.base_branch,
                f"AI run for #{i.issue_number}: {title}"[:250],
                body,
            ),
        )
    except ActivityError as exc:
        reason = f"open pull request: {reason_of(exc)}"
        await run.artifact("github-error-pull", "text", reason)
        raise RunFailed(reason) from None
    run.pr_number, run.pr_url = pull.number, pull.url
    await run.set_status(RunStatus.RUNNING)


async def _escalate(run: RunContext, result: CIResult, excerpt: str) -> NoReturn:
    """ESCALATED: the limits are used up and a person takes over."""
    cfg = run.config
    reason = (
        f"CI still failing after {run.ci_failures} iteration(s) "
        f"(RUN_MAX_CI_ITERATIONS={cfg.max_ci_iterations}, "
        f"RUN_MAX_ITERATIONS={cfg.max_iterations}): "
        f"{result.name or result.source} concluded {result.conclusion}"
    )
    await run.artifact(
        "escalation",
        "json",
        json.dumps(
            {
                "reason": reason,
                "ciFailures": run.ci_failures,
                "maxIterations": cfg.max_ci_iterations,
                "prUrl": run.pr_url,
                "lastFailure": excerpt[-4000:],
            },
            indent=2,
        ),
    )
    run.status = RunStatus.ESCALATED
    await run.comment(
        "escalated",
        msg.escalated_comment(
            run_id=run.input.run_id, reason=reason, pr_url=run.pr_url, link=run.link()
        ),
    )
    raise RunFailed(reason)


async def _wait_ci_or_feedback(run: RunContext, head_sha: str | None) -> CIResult | None:
    """The CI result for `head_sha`, or None when review feedback arrives first (a CI
    result for the abandoned head no longer matters: the next push has a new one)."""
    waiting = asyncio.ensure_future(_wait_ci(run, head_sha))
    await workflow.wait_condition(lambda: waiting.done() or bool(run.feedback))
    if waiting.done():
        return waiting.result()
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    await run.set_status(RunStatus.RUNNING)
    return None


async def _wait_ci(run: RunContext, head_sha: str | None) -> CIResult:
    """The commit's CI result once every check suite GitHub reports for it has completed
    (a CI signal only says "look again"); without suites, the signal itself decides."""

    def matching() -> list[CIResult]:
        return [r for r in run.ci if not (r.head_sha and head_sha and r.head_sha != head_sha)]

    run.phase = "ci"
    await run.set_status(RunStatus.WAITING_CI)
    timeout = run.config.ci_timeout_seconds
    deadline = workflow.now() + timedelta(seconds=timeout)
    seen: list[CIResult] = []
    while True:
        left = (deadline - workflow.now()).total_seconds()
        try:
            if left <= 0:
                raise TimeoutError
            # While suites are pending, look again now and then: not every app's
            # completion reaches hookflow as an event.
            await workflow.wait_condition(
                lambda: run.cancel or bool(matching()),
                timeout=timedelta(
                    seconds=min(left, CI_RECHECK_SECONDS) if run.ci_pending else left
                ),
            )
        except TimeoutError:
            if not run.ci_pending or workflow.now() >= deadline:
                run.status = RunStatus.ESCALATED
                waiting = f" (still running: {', '.join(run.ci_pending)})" if run.ci_pending else ""
                raise RunFailed(
                    f"no CI result for the branch within {int(timeout)} s{waiting}"
                ) from None
        if run.cancel:
            raise RunCancelled()
        arrived = matching()
        run.ci = [r for r in run.ci if r not in arrived]
        seen.extend(arrived)
        decided = await _ci_decision(run, head_sha, seen)
        if decided is not None:
            run.ci_pending = []
            await run.set_status(RunStatus.RUNNING)
            return decided


async def _ci_decision(
    run: RunContext, head_sha: str | None, seen: list[CIResult]
) -> CIResult | None:
    """None while a suite is pending; else the failing (or the passing) result."""
    # Without suites to look at, the signals decide: any failure among them wins.
    latest = next(
        (r for r in reversed(seen) if r.conclusion not in PASSING), seen[-1] if seen else None
    )
    if not head_sha:
        return latest
    try:
        suites = await run.github(
            RunGitHubActivities.check_suites, CheckSuitesInput(run.input.repo, head_sha)
        )
    except ActivityError as exc:
        workflow.logger.warning(
            "check suites unavailable, deciding on the signal: %s", reason_of(exc)
        )
        return latest
    verdict = ci_verdict(suites)
    if verdict.counted == 0:
        return latest  # GitHub reports no suites (yet): the signal is all there is
    if not verdict.decided:
        run.ci_pending = verdict.pending
        return None
    if not verdict.failed:
        names = ", ".join(s.name for s in suites if s.check_runs > 0)
        return CIResult("success", name=names, head_sha=head_sha, source="check_suites")
    # Prefer a failed workflow run we were told about: its jobs' logs make the excerpt.
    for result in reversed(seen):
        if result.workflow_run_id and result.conclusion not in PASSING:
            return result
    suite = verdict.failed[0]
    return CIResult(
        suite.conclusion or "failure", name=suite.name, head_sha=head_sha, source="check_suite"
    )


async def _ci_excerpt(run: RunContext, result: CIResult) -> str:
    head = f"CI {result.source} {result.name!r} concluded {result.conclusion}" + (
        f": {result.html_url}" if result.html_url else ""
    )
    if result.workflow_run_id and run.config.github_enabled:
        try:
            text = await run.github(
                RunGitHubActivities.ci_failure_excerpt,
                CIExcerptInput(run.input.repo, result.workflow_run_id),
            )
            return f"{head}\n\n{text}"
        except ActivityError as exc:
            return f"{head}\n\n(job logs unavailable: {reason_of(exc)})"
    return head
