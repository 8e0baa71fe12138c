"""RunWorkflow: one AI run on an issue labelled `ai:run` (seed 000).

Phases (RUN_PHASES) run as agent activities in a cloned workspace; after implement/test the
branch is pushed (behind an optional approval gate), a draft PR is opened and the run waits for
its CI result (the `ci_result` signal, sent by the ingestion API for the run branch). A CI failure
goes back to implement with the failed jobs' excerpt, up to RUN_MAX_CI_ITERATIONS; then ESCALATED.
A failed phase leaves the run FAILED, waiting RUN_RETRY_WINDOW for a `retry` signal that re-runs
that phase; `cancel` stops the running activity at once and ends the run CANCELLED.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.activity_options import DB_ACTIVITY

with workflow.unsafe.imports_passed_through():
    from activities.agent import AgentActivities, PhaseInput, PhaseOutput
    from activities.run_github import (
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
    from workflows import run_messages as msg
    from workflows import search_attributes as sa

T = TypeVar("T")

SIGNALS = ("approve", "cancel", "retry")


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


GITHUB_ACTIVITY: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=60),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=2),
        maximum_attempts=8,
    ),
}
WORKSPACE_ACTIVITY: dict[str, Any] = {
    "start_to_close_timeout": timedelta(minutes=10),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=2), maximum_attempts=4,
        non_retryable_error_types=["RunConfigError"],
    ),
}
PHASE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30),
    maximum_attempts=3, non_retryable_error_types=["RunConfigError"],
)


class RunCancelled(Exception):
    """The `cancel` signal arrived."""


class RunFailed(Exception):
    """The run cannot go on; the message is the reason shown to people."""


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
        self._pr_url: str | None = None
        self._pr_number: int | None = None
        self._failures = 0
        self._cfg: RunConfig | None = None
        self._input: RunInput | None = None

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

    @workflow.query
    def progress(self) -> RunProgress:
        return RunProgress(self._status, self._phase, self._iteration, self._pr_url,
                           self._ci_failures)

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
            input.title = input.title or ctx.title
            input.body = input.body if input.body is not None else ctx.body
            input.clone_url = input.clone_url or ctx.clone_url
            base_branch = ctx.default_branch
        await self._comment("start", msg.start_comment(
            run_id=input.run_id, workflow_id=workflow.info().workflow_id, branch=input.branch,
            phases=cfg.phases, link=self._link()))

        workspace: WorkspaceInfo | None = None
        if input.clone_url and input.branch:
            workspace = await self._step(lambda: workflow.execute_activity_method(
                WorkspaceActivities.prepare,
                WorkspaceInput(input.run_id, input.repo, input.clone_url or "",
                               input.branch or "", base_branch),
                **WORKSPACE_ACTIVITY,
            ), "prepare workspace")

        phases = cfg.phases
        code_phases = [i for i, p in enumerate(phases) if p in ("implement", "test")]
        gate = code_phases[-1] + 1 if code_phases else len(phases)
        fix_from = code_phases[0] if code_phases else 0
        previous: dict[str, Any] = {}
        self._iteration = 1
        issue = {"repo": input.repo, "number": input.issue_number, "title": input.title,
                 "body": input.body, "branch": input.branch}
        for name in phases[:gate]:
            await self._phase_step(name, issue, previous, workspace, None)

        if cfg.approval_required:
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
            result = await self._wait_ci(head_sha)
            if result.conclusion in ("success", "neutral", "skipped"):
                break
            self._ci_failures += 1
            excerpt = await self._ci_excerpt(input, result)
            await self._artifact(f"ci-failure-{self._ci_failures}", "text", excerpt)
            if self._ci_failures >= cfg.max_ci_iterations:
                reason = (f"CI still failing after {self._ci_failures} iteration(s) "
                          f"(RUN_MAX_CI_ITERATIONS={cfg.max_ci_iterations}): "
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

        for name in phases[gate:]:
            await self._phase_step(name, issue, previous, workspace, None)
        if workspace is not None and phases[gate:]:
            await self._push(input, workspace, f"hookflow: #{input.issue_number} docs and report")
        summary = self._summary(previous)
        await self._artifact("summary", "text", summary)
        await self._comment("final", msg.final_comment(
            status="SUCCEEDED", run_id=input.run_id, iterations=self._iteration,
            pr_url=self._pr_url, summary=summary, link=self._link()))
        return workspace

    # --- steps ---------------------------------------------------------------------------

    async def _phase_step(self, name: str, issue: dict[str, Any], previous: dict[str, Any],
                          workspace: WorkspaceInfo | None, ci_failure: str | None) -> None:
        cfg = self._config
        assert self._input is not None
        run_id = self._input.run_id
        self._phase = name
        await self._set("RUNNING")
        data = PhaseInput(run_id, name, self._iteration, issue, dict(previous),
                          workspace.path if workspace else None, ci_failure)
        out: PhaseOutput = await self._step(lambda: workflow.execute_activity_method(
            AgentActivities.run_phase, data,
            start_to_close_timeout=timedelta(seconds=cfg.phase_timeout_seconds),
            heartbeat_timeout=timedelta(seconds=cfg.heartbeat_seconds),
            retry_policy=PHASE_RETRY,
        ), f"phase {name}")
        suffix = "" if self._iteration == 1 else f"-iteration-{self._iteration}"
        content = (out.artifact if isinstance(out.artifact, str)
                   else json.dumps(out.artifact, indent=2))
        await self._artifact(f"{name}{suffix}", out.kind, content)
        if out.patch:
            await self._artifact("patch", "patch", out.patch)
        if out.log_tail:
            await self._artifact(f"log-{name}{suffix}", "text", out.log_tail)
        previous[name] = out.artifact

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
        await self._comment(f"failure-{self._failures}", msg.failure_comment(
            run_id=self._input.run_id, phase=self._phase, reason=reason,
            retry_hint=(f"Send the `retry` signal within {int(cfg.retry_window_seconds)} s "
                        "to re-run it."),
            link=self._link()))
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
            PushInput(input.run_id, workspace.path, input.branch or "", message),
            **WORKSPACE_ACTIVITY,
        ), "push branch")
        return result.head_sha

    async def _open_pull(self, input: RunInput, workspace: WorkspaceInfo,
                         previous: dict[str, Any]) -> None:
        body = msg.pull_body(issue_number=input.issue_number, run_id=input.run_id,
                             summary=self._summary(previous), link=self._link())
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
        def matching() -> CIResult | None:
            for result in self._ci:
                if not (result.head_sha and head_sha and result.head_sha != head_sha):
                    return result
            return None

        self._phase = "ci"
        await self._set("WAITING_CI")
        try:
            await workflow.wait_condition(
                lambda: self._cancel or matching() is not None,
                timeout=timedelta(seconds=self._config.ci_timeout_seconds),
            )
        except TimeoutError:
            self._status = "ESCALATED"
            raise RunFailed(f"no CI result for the branch within "
                            f"{int(self._config.ci_timeout_seconds)} s") from None
        if self._cancel:
            raise RunCancelled()
        found = matching()
        assert found is not None
        self._ci = [r for r in self._ci if r is not found]
        await self._set("RUNNING")
        return found

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

    def _summary(self, previous: dict[str, Any]) -> str:
        report = previous.get("report") or previous.get("document")
        if report is None:
            return f"Phases done: {', '.join(previous) or 'none'}."
        text = report if isinstance(report, str) else json.dumps(report, indent=2)
        return f"Phases done: {', '.join(previous)}.\n\n{text[:8000]}"

    async def _github(self, method: Any, arg: Any) -> Any:
        return await workflow.execute_activity_method(method, arg, **GITHUB_ACTIVITY)

    async def _comment(self, key: str, body: str) -> None:
        """Best effort: a comment GitHub refuses is recorded, and the run goes on."""
        assert self._input is not None
        if self._cfg is None or not self._cfg.github_enabled:
            return
        try:
            await self._github(RunGitHubActivities.comment, RunCommentInput(
                self._input.run_id, self._input.repo, self._input.issue_number, key, body))
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
            await self._comment("failure-final", msg.failure_comment(
                run_id=self._input.run_id, phase=self._phase, reason=error, retry_hint="",
                link=self._link()))
        await self._set(status, error=error)
        return RunResult(self._input.run_id, status, error, self._pr_url, self._iteration)
