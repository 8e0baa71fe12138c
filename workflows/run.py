"""RunWorkflow: one AI run on an issue labelled `ai:run` (seed 000).

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

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    CancelledError,
    TimeoutType,
)
from temporalio.exceptions import TimeoutError as ActivityTimeout

from workflows.activity_options import (
    DB_ACTIVITY,
    GITHUB_ACTIVITY,
    NON_RETRYABLE_PHASE_ERRORS,
    PHASE_ATTEMPT,
    PHASE_BACKOFF,
    PHASE_CRASHES,
    PHASE_FAILURES,
    WORKSPACE_ACTIVITY,
)

with workflow.unsafe.imports_passed_through():
    from activities.agent import AgentActivities, PhaseInput, PhaseOutput
    from activities.run_github import (
        CheckSuitesInput,
        CIExcerptInput,
        IssueContextInput,
        PullInput,
        RunCommentInput,
        RunGitHubActivities,
    )
    from activities.runs import (
        ArtifactInput,
        RunActivities,
        RunConfig,
        RunConfigInput,
        RunStatusUpdate,
    )
    from activities.workspace import (
        CleanupInput,
        PushInput,
        WorkspaceActivities,
        WorkspaceInfo,
        WorkspaceInput,
    )
    from routing.ai_run import BODY_MAX_CHARS, TITLE_MAX_CHARS, bounded
    from workflows import run_messages as msg
    from workflows import search_attributes as sa
    from workflows.ci_verdict import PASSING, ci_verdict
    from workflows.run_feedback import Feedback, add_usage, feedback_key

T = TypeVar("T")

SIGNALS = ("approve", "cancel", "retry")
CI_RECHECK_SECONDS = 60.0  # how often a run looks again at check suites still running


@dataclass
class RunInput:
    run_id: str
    repo: str
    issue_number: int
    title: str = ""
    body: str | None = None
    clone_url: str | None = None
    branch: str | None = None
    delivery_id: str | None = None
    # A follow-up on the branch of a finished run: the review text, and the iterations so far.
    feedback: Feedback | None = None
    start_iteration: int = 0


@dataclass
class RunResult:
    run_id: str
    status: str
    error: str | None = None
    pr_url: str | None = None
    iteration: int = 0


@dataclass
class CIResult:
    """A CI result for the run branch (a completed workflow_run or check_suite)."""

    conclusion: str
    name: str = ""
    workflow_run_id: int | None = None
    head_sha: str | None = None
    html_url: str | None = None
    source: str = "workflow_run"
    excerpt: str | None = None


@dataclass
class RunProgress:
    status: str
    phase: str | None
    iteration: int
    pr_url: str | None
    ci_failures: int
    ci_pending: list[str] = field(default_factory=list)  # check suites still running


class RunCancelled(Exception):
    """The `cancel` signal arrived."""


class RunFailed(Exception):
    """The run cannot go on; the message is the reason shown to people."""


def crashed(exc: ActivityError) -> bool:
    """The activity's worker died (no heartbeat) or shut down, as opposed to the work failing."""
    cause = exc.cause
    if isinstance(cause, ApplicationError):
        return cause.type == "WorkerShutdown"
    return isinstance(cause, ActivityTimeout) and cause.type == TimeoutType.HEARTBEAT


def phase_retryable(exc: ActivityError) -> bool:
    """Whether a failed phase attempt may be tried again (its error is not a final one)."""
    cause = exc.cause
    if isinstance(cause, ApplicationError):
        return not cause.non_retryable and cause.type not in NON_RETRYABLE_PHASE_ERRORS
    return True


def reason_of(exc: BaseException) -> str:
    cause: BaseException | None = exc
    while isinstance(cause, ActivityError) and cause.cause is not None:
        cause = cause.cause
    return str(cause or exc)


@workflow.defn(name="RunWorkflow")
class RunWorkflow:
    def __init__(self) -> None:
        self._status = "RECEIVED"
        self._phase: str | None = None
        self._iteration = 0
        self._approved = False
        self._cancel = False
        self._retry = False
        self._ci: list[CIResult] = []
        self._ci_failures = 0
        self._ci_pending: list[str] = []
        self._pr_url: str | None = None
        self._pr_number: int | None = None
        self._failures = 0
        self._cfg: RunConfig | None = None
        self._input: RunInput | None = None
        self._feedback: list[Feedback] = []
        self._usage: dict[str, dict[str, int]] = {}
        self._summaries: dict[str, str] = {}  # phase → the start of its artifact

    # --- signals and queries -------------------------------------------------------------

    @workflow.signal
    def approve(self) -> None:
        self._approved = True

    @workflow.signal
    def cancel(self) -> None:
        self._cancel = True

    @workflow.signal
    def retry(self) -> None:
        self._retry = True

    @workflow.signal
    def ci_result(self, result: CIResult) -> None:
        self._ci.append(result)

    @workflow.signal
    def feedback(self, feedback: Feedback) -> None:
        self._feedback.append(feedback)

    @workflow.query
    def progress(self) -> RunProgress:
        return RunProgress(self._status, self._phase, self._iteration, self._pr_url,
                           self._ci_failures, list(self._ci_pending))

    @workflow.query
    def status(self) -> dict[str, object]:
        return {"status": self._status, "phase": self._phase, "iteration": self._iteration}

    # --- the run -------------------------------------------------------------------------

    @workflow.run
    async def run(self, input: RunInput) -> RunResult:
        self._input = input
        workflow.upsert_search_attributes([
            sa.REPO.value_set(input.repo),
            sa.ISSUE_NUMBER.value_set(input.issue_number),
            sa.KIND.value_set("ai-run"),
        ])
        await self._set("RUNNING")
        await self._artifact("issue", "json", json.dumps({
            "repo": input.repo, "issueNumber": input.issue_number, "title": input.title,
            "body": input.body, "branch": input.branch,
        }, indent=2))
        try:
            self._cfg = await workflow.execute_activity_method(
                RunActivities.config, RunConfigInput(input.run_id), **DB_ACTIVITY
            )
        except ActivityError as exc:
            return await self._finish("FAILED", error=reason_of(exc))

        workspace: WorkspaceInfo | None = None
        try:
            workspace = await self._pipeline(input)
            return await self._finish("SUCCEEDED")
        except RunCancelled:
            await self._comment("cancelled", msg.cancelled_comment(
                run_id=input.run_id, phase=self._phase, link=self._link()))
            return await self._finish("CANCELLED", error="cancelled by signal")
        except RunFailed as exc:
            return await self._finish(self._status if self._status == "ESCALATED" else "FAILED",
                                      error=str(exc))
        finally:
            if input.clone_url or workspace is not None:
                with contextlib.suppress(ActivityError):
                    await workflow.execute_activity_method(
                        WorkspaceActivities.cleanup, CleanupInput(input.run_id),
                        **WORKSPACE_ACTIVITY,
                    )

    async def _pipeline(self, input: RunInput) -> WorkspaceInfo | None:
        cfg = self._config
        base_branch: str | None = None
        if cfg.github_enabled and (input.clone_url is None or not input.title):
            try:
                ctx = await self._github(
                    RunGitHubActivities.issue_context,
                    IssueContextInput(input.repo, input.issue_number),
                )
            except ActivityError as exc:
                raise RunFailed(reason_of(exc)) from None
            input.title = input.title or bounded(ctx.title, TITLE_MAX_CHARS) or ""
            input.body = input.body if input.body is not None else bounded(ctx.body,
                                                                           BODY_MAX_CHARS)
            input.clone_url = input.clone_url or ctx.clone_url
            base_branch = ctx.default_branch
        if input.feedback is None:  # a follow-up's first comment is its acknowledgement
            await self._comment("start", msg.start_comment(
                run_id=input.run_id, workflow_id=workflow.info().workflow_id,
                branch=input.branch, phases=cfg.phases, link=self._link()))

        workspace: WorkspaceInfo | None = None
        # A clone URL (payload or GitHub) says the repository has git content; the clone itself
        # always comes from the canonical GITHUB_GIT_URL/{repo}.git.
        if input.clone_url and input.branch:
            workspace = await self._step(lambda: workflow.execute_activity_method(
                WorkspaceActivities.prepare,
                WorkspaceInput(input.run_id, input.repo, input.branch or "", base_branch),
                **WORKSPACE_ACTIVITY,
            ), "prepare workspace")

        phases = cfg.phases
        code_phases = [i for i, p in enumerate(phases) if p in ("implement", "test")]
        gate = code_phases[-1] + 1 if code_phases else len(phases)
        fix_from = code_phases[0] if code_phases else 0
        previous: dict[str, Any] = {}
        self._iteration = max(1, input.start_iteration)
        issue = {"repo": input.repo, "number": input.issue_number, "title": input.title,
                 "body": input.body, "branch": input.branch}
        follow_up = input.feedback is not None
        if follow_up:
            assert input.feedback is not None
            self._feedback.append(input.feedback)
            if not await self._take_feedback(issue, previous, workspace, phases[fix_from:gate]):
                return workspace
        for name in [] if follow_up else phases[:gate]:
            await self._phase_step(name, issue, previous, workspace, None)

        if cfg.approval_required and not follow_up:
            self._phase = "approval"
            await self._set("WAITING_APPROVAL")
            await workflow.wait_condition(lambda: self._approved or self._cancel)
            if self._cancel:
                raise RunCancelled()
            await self._set("RUNNING")

        while workspace is not None:
            head_sha = await self._push(input, workspace, f"hookflow: #{input.issue_number} "
                                        f"iteration {self._iteration}")
            if not cfg.github_enabled or head_sha is None:
                break  # no GitHub write-back, or nothing changed: no PR and no CI to wait for
            if self._pr_number is None:
                await self._open_pull(input, workspace, previous)
            result = await self._wait_ci_or_feedback(head_sha)
            if result is None:  # review feedback arrived first: implement it, push again
                await self._take_feedback(issue, previous, workspace, phases[fix_from:gate])
                continue
            if result.conclusion in PASSING:
                break
            self._ci_failures += 1
            excerpt = await self._ci_excerpt(input, result)
            await self._artifact(f"ci-failure-{self._ci_failures}", "text", excerpt)
            # Review feedback iterations count toward RUN_MAX_ITERATIONS as well.
            if (self._ci_failures >= cfg.max_ci_iterations
                    or self._iteration >= cfg.max_iterations):
                reason = (f"CI still failing after {self._ci_failures} iteration(s) "
                          f"(RUN_MAX_CI_ITERATIONS={cfg.max_ci_iterations}, "
                          f"RUN_MAX_ITERATIONS={cfg.max_iterations}): "
                          f"{result.name or result.source} concluded {result.conclusion}")
                await self._artifact("escalation", "json", json.dumps({
                    "reason": reason, "ciFailures": self._ci_failures,
                    "maxIterations": cfg.max_ci_iterations, "prUrl": self._pr_url,
                    "lastFailure": excerpt[-4000:],
                }, indent=2))
                self._status = "ESCALATED"
                await self._comment("escalated", msg.escalated_comment(
                    run_id=input.run_id, reason=reason, pr_url=self._pr_url, link=self._link()))
                raise RunFailed(reason)
            self._iteration += 1
            for name in phases[fix_from:gate]:
                await self._phase_step(name, issue, previous, workspace,
                                       excerpt if name == phases[fix_from] else None)

        for name in [] if follow_up else phases[gate:]:
            await self._phase_step(name, issue, previous, workspace, None)
        if workspace is not None and phases[gate:] and not follow_up:
            await self._push(input, workspace, f"hookflow: #{input.issue_number} docs and report")
        await self._decline_late_feedback()
        summary = self._summary()
        await self._artifact("summary", "text", summary)
        await self._comment("final", msg.final_comment(
            status="SUCCEEDED", run_id=input.run_id, iterations=self._iteration,
            pr_url=self._pr_url, summary=summary, link=self._link(), usage=self._usage))
        return workspace

    # --- steps ---------------------------------------------------------------------------

    async def _phase_step(self, name: str, issue: dict[str, Any], previous: dict[str, Any],
                          workspace: WorkspaceInfo | None, ci_failure: str | None,
                          feedback: str | None = None) -> None:
        """Run one phase; `previous` maps phase names to their artifact names (the activity
        loads them) and the workflow keeps only short summaries."""
        assert self._input is not None
        run_id = self._input.run_id
        self._phase = name
        await self._set("RUNNING")
        data = PhaseInput(run_id, name, self._iteration, issue, {},
                          workspace.path if workspace else None, ci_failure,
                          feedback=feedback, previous_artifacts=dict(previous),
                          base_sha=workspace.base_sha if workspace else None)
        out: PhaseOutput = await self._step(lambda: self._run_phase(data), f"phase {name}")
        previous[name] = out.artifact_name
        self._summaries[name] = out.summary
        if out.usage:
            add_usage(self._usage, name, out.usage)

    async def _run_phase(self, data: PhaseInput) -> PhaseOutput:
        """Attempt a phase until it succeeds, fails PHASE_FAILURES times or cannot be retried;
        worker crashes (heartbeat timeouts) are retried without counting as failures."""
        cfg = self._config
        failures = crashes = 0
        while True:
            try:
                out: PhaseOutput = await workflow.execute_activity_method(
                    AgentActivities.run_phase, data,
                    start_to_close_timeout=timedelta(seconds=cfg.phase_timeout_seconds),
                    heartbeat_timeout=timedelta(seconds=cfg.heartbeat_seconds),
                    retry_policy=PHASE_ATTEMPT,
                )
                return out
            except ActivityError as exc:
                if self._cancel or isinstance(exc.cause, CancelledError):
                    raise
                if crashed(exc) and crashes < PHASE_CRASHES:
                    crashes += 1
                    workflow.logger.info("phase %s: worker lost, retrying (%d)", data.phase,
                                         crashes)
                    continue
                failures += 1
                if failures >= PHASE_FAILURES or not phase_retryable(exc):
                    raise
                first, largest = PHASE_BACKOFF
                await workflow.sleep(min(largest, first * 2 ** (failures - 1)))

    async def _step(self, start: Callable[[], Awaitable[T]], what: str) -> T:
        """Run a long step; on failure wait for `retry` (re-run) or give up after the window."""
        while True:
            try:
                return await self._cancellable(start)
            except ActivityError as exc:
                reason = f"{what}: {reason_of(exc)}"
                cause = exc.cause
                if isinstance(cause, ApplicationError) and cause.type == "RunConfigError":
                    raise RunFailed(reason) from None
                await self._wait_for_retry(reason)

    async def _cancellable(self, start: Callable[[], Awaitable[T]]) -> T:
        if self._cancel:
            raise RunCancelled()  # before start(): no activity coroutine is left unawaited
        task = asyncio.ensure_future(start())
        await workflow.wait_condition(lambda: task.done() or self._cancel)
        if task.done():
            return task.result()
        task.cancel()  # the activity's next heartbeat learns it is cancelled
        with contextlib.suppress(asyncio.CancelledError, ActivityError):
            await task
        raise RunCancelled()

    async def _wait_for_retry(self, reason: str) -> None:
        assert self._input is not None
        cfg = self._config
        self._failures += 1
        self._retry = False
        await self._set("FAILED", error=reason)
        await self._artifact(f"failure-{self._failures}", "text", reason)
        await self._comment(f"failure-{self._failures}", msg.failure_comment(
            run_id=self._input.run_id, phase=self._phase,
            retry_hint=(f"Send the `retry` signal within {int(cfg.retry_window_seconds)} s "
                        "to re-run it."),
            link=self._link(), api_link=self._api_link()))
        try:
            await workflow.wait_condition(
                lambda: self._retry or self._cancel,
                timeout=timedelta(seconds=cfg.retry_window_seconds),
            )
        except TimeoutError:
            raise RunFailed(reason) from None
        if self._cancel:
            raise RunCancelled()
        self._retry = False
        await self._set("RUNNING")

    async def _push(self, input: RunInput, workspace: WorkspaceInfo, message: str) -> str | None:
        result = await self._step(lambda: workflow.execute_activity_method(
            WorkspaceActivities.push,
            PushInput(input.run_id, workspace.path, input.branch or "", message, input.repo),
            **WORKSPACE_ACTIVITY,
        ), "push branch")
        return result.head_sha

    async def _open_pull(self, input: RunInput, workspace: WorkspaceInfo,
                         previous: dict[str, Any]) -> None:
        body = msg.pull_body(issue_number=input.issue_number, run_id=input.run_id,
                             summary=self._summary(), link=self._link())
        try:
            pull = await self._github(RunGitHubActivities.open_pull, PullInput(
                input.run_id, input.repo, input.issue_number, input.branch or "",
                workspace.base_branch, f"AI run for #{input.issue_number}: {input.title}"[:250],
                body))
        except ActivityError as exc:
            reason = f"open pull request: {reason_of(exc)}"
            await self._artifact("github-error-pull", "text", reason)
            raise RunFailed(reason) from None
        self._pr_number, self._pr_url = pull.number, pull.url
        await self._set("RUNNING")

    async def _wait_ci(self, head_sha: str | None) -> CIResult:
        """The commit's CI result once every check suite GitHub reports for it has completed
        (a CI signal only says "look again"); without suites, the signal itself decides."""
        def matching() -> list[CIResult]:
            return [r for r in self._ci
                    if not (r.head_sha and head_sha and r.head_sha != head_sha)]

        self._phase = "ci"
        await self._set("WAITING_CI")
        timeout = self._config.ci_timeout_seconds
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
                    lambda: self._cancel or bool(matching()),
                    timeout=timedelta(seconds=min(left, CI_RECHECK_SECONDS)
                                      if self._ci_pending else left),
                )
            except TimeoutError:
                if not self._ci_pending or workflow.now() >= deadline:
                    self._status = "ESCALATED"
                    waiting = (f" (still running: {', '.join(self._ci_pending)})"
                               if self._ci_pending else "")
                    raise RunFailed(f"no CI result for the branch within {int(timeout)} s"
                                    f"{waiting}") from None
            if self._cancel:
                raise RunCancelled()
            arrived = matching()
            self._ci = [r for r in self._ci if r not in arrived]
            seen.extend(arrived)
            decided = await self._ci_decision(head_sha, seen)
            if decided is not None:
                self._ci_pending = []
                await self._set("RUNNING")
                return decided

    async def _ci_decision(self, head_sha: str | None, seen: list[CIResult]) -> CIResult | None:
        """None while a suite is pending; else the failing (or the passing) result."""
        assert self._input is not None
        # Without suites to look at, the signals decide: any failure among them wins.
        latest = next((r for r in reversed(seen) if r.conclusion not in PASSING),
                      seen[-1] if seen else None)
        if not head_sha:
            return latest
        try:
            suites = await self._github(RunGitHubActivities.check_suites,
                                        CheckSuitesInput(self._input.repo, head_sha))
        except ActivityError as exc:
            workflow.logger.warning("check suites unavailable, deciding on the signal: %s",
                                    reason_of(exc))
            return latest
        verdict = ci_verdict(suites)
        if verdict.counted == 0:
            return latest  # GitHub reports no suites (yet): the signal is all there is
        if not verdict.decided:
            self._ci_pending = verdict.pending
            return None
        if not verdict.failed:
            names = ", ".join(s.name for s in suites if s.check_runs > 0)
            return CIResult("success", name=names, head_sha=head_sha, source="check_suites")
        # Prefer a failed workflow run we were told about: its jobs' logs make the excerpt.
        for result in reversed(seen):
            if result.workflow_run_id and result.conclusion not in PASSING:
                return result
        suite = verdict.failed[0]
        return CIResult(suite.conclusion or "failure", name=suite.name, head_sha=head_sha,
                        source="check_suite")

    async def _ci_excerpt(self, input: RunInput, result: CIResult) -> str:
        head = (f"CI {result.source} {result.name!r} concluded {result.conclusion}"
                + (f": {result.html_url}" if result.html_url else ""))
        if result.excerpt:
            return f"{head}\n\n{result.excerpt}"
        if result.workflow_run_id and self._config.github_enabled:
            try:
                text = await self._github(RunGitHubActivities.ci_failure_excerpt,
                                          CIExcerptInput(input.repo, result.workflow_run_id))
                return f"{head}\n\n{text}"
            except ActivityError as exc:
                return f"{head}\n\n(job logs unavailable: {reason_of(exc)})"
        return head

    # --- review feedback (the `feedback` signal and follow-up executions) ------------------

    async def _wait_ci_or_feedback(self, head_sha: str | None) -> CIResult | None:
        """The CI result for `head_sha`, or None when review feedback arrives first (a CI
        result for the abandoned head no longer matters: the next push has a new one)."""
        waiting = asyncio.ensure_future(self._wait_ci(head_sha))
        await workflow.wait_condition(lambda: waiting.done() or bool(self._feedback))
        if waiting.done():
            return waiting.result()
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
        await self._set("RUNNING")
        return None

    async def _take_feedback(self, issue: dict[str, Any], previous: dict[str, Any],
                             workspace: WorkspaceInfo | None, fix_phases: list[str]) -> bool:
        """Run the implement phases once more with the queued review text; False (and one
        comment) when RUN_MAX_ITERATIONS is used up."""
        assert self._input is not None
        items, self._feedback = self._feedback, []
        text = "\n\n".join(f.text_for_agent() for f in items)
        cap = self._config.max_iterations
        if self._iteration >= cap:
            await self._comment(feedback_key(items[-1], "limit"), msg.feedback_limit_comment(
                run_id=self._input.run_id, iterations=self._iteration, cap=cap,
                pr_url=self._pr_url, link=self._link()), number=items[-1].pr_number)
            return False
        self._iteration += 1
        await self._comment(feedback_key(items[-1], "ack"), msg.feedback_ack_comment(
            run_id=self._input.run_id, iteration=self._iteration, cap=cap,
            authors=sorted({f.author for f in items if f.author}), link=self._link()),
            number=items[-1].pr_number)
        for index, name in enumerate(fix_phases):
            await self._phase_step(name, issue, previous, workspace, None,
                                   text if index == 0 else None)
        return True

    async def _decline_late_feedback(self) -> None:
        """Feedback that came after CI went green is answered, not silently dropped."""
        assert self._input is not None
        if not self._feedback:
            return
        late, self._feedback = self._feedback[-1], []
        await self._comment(feedback_key(late, "late"), msg.feedback_late_comment(
            run_id=self._input.run_id, link=self._link()), number=late.pr_number)

    def _keyed(self, key: str) -> str:
        """Comment keys of a follow-up execution differ from the first execution's."""
        assert self._input is not None
        start = self._input.start_iteration
        return f"{key}-after-{start}" if self._input.feedback is not None else key

    # --- bookkeeping ---------------------------------------------------------------------

    @property
    def _config(self) -> RunConfig:
        assert self._cfg is not None
        return self._cfg

    def _link(self) -> str | None:
        cfg = self._cfg
        if cfg is None:
            return None
        return msg.run_link(cfg.ui_url, cfg.namespace, workflow.info().workflow_id)

    def _api_link(self) -> str | None:
        assert self._input is not None
        return msg.api_run_link(self._cfg.api_url, self._input.run_id) if self._cfg else None

    def _summary(self) -> str:
        done = self._summaries
        report = done.get("report") or done.get("document")
        if report is None:
            return f"Phases done: {', '.join(done) or 'none'}."
        return f"Phases done: {', '.join(done)}.\n\n{report}"

    async def _github(self, method: Any, arg: Any) -> Any:
        return await workflow.execute_activity_method(method, arg, **GITHUB_ACTIVITY)

    async def _comment(self, key: str, body: str, *, number: int | None = None) -> None:
        """Best effort: a comment GitHub refuses is recorded, and the run goes on. It goes on
        the issue unless `number` names another (the PR a review came from)."""
        assert self._input is not None
        if self._cfg is None or not self._cfg.github_enabled:
            return
        try:
            await self._github(RunGitHubActivities.comment, RunCommentInput(
                self._input.run_id, self._input.repo, number or self._input.issue_number,
                self._keyed(key), body))
        except ActivityError as exc:
            await self._artifact(f"github-error-{key}", "text", reason_of(exc))

    async def _artifact(self, name: str, kind: str, content: str) -> None:
        assert self._input is not None
        await workflow.execute_activity_method(
            RunActivities.record_artifact,
            ArtifactInput(self._input.run_id, name, kind, content),
            **DB_ACTIVITY,
        )

    async def _set(self, status: str, *, error: str | None = None) -> None:
        assert self._input is not None
        self._status = status
        workflow.upsert_search_attributes([
            sa.STATUS.value_set(status),
            sa.PHASE.value_set(self._phase) if self._phase else sa.PHASE.value_unset(),
        ])
        # A local activity: the status reaches the DB within this workflow task, without a
        # task-queue round trip (the first RUNNING is what "work begun" measures).
        await workflow.execute_local_activity_method(
            RunActivities.set_status,
            RunStatusUpdate(self._input.run_id, status, phase=self._phase,
                            iteration=self._iteration, error=error,
                            pr_number=self._pr_number, pr_url=self._pr_url),
            **DB_ACTIVITY,
        )

    async def _finish(self, status: str, *, error: str | None = None) -> RunResult:
        assert self._input is not None
        if status == "FAILED" and error and self._failures == 0 and self._cfg is not None:
            await self._artifact("failure-final", "text", error)
            await self._comment("failure-final", msg.failure_comment(
                run_id=self._input.run_id, phase=self._phase, retry_hint="",
                link=self._link(), api_link=self._api_link()))
        await self._set(status, error=error)
        return RunResult(self._input.run_id, status, error, self._pr_url, self._iteration)
