"""Running the agent's phases: each attempt, the retry window after a failure, and `cancel`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError

from workflows.activity_options import PHASE_ATTEMPT, PHASE_BACKOFF, PHASE_CRASHES, PHASE_FAILURES

with workflow.unsafe.imports_passed_through():
    from activities.agent import AgentActivities, PhaseInput, PhaseOutput
    from activities.workspace import WorkspaceInfo
    from contract.statuses import RunStatus
    from workflows.run import messages as msg
    from workflows.run.context import RunContext
    from workflows.run.errors import (
        RunCancelled,
        RunFailed,
        crashed,
        phase_retryable,
        reason_of,
        refused_hosts_of,
    )

T = TypeVar("T")


@dataclass
class PhasePlan:
    """The configured phases split at the push: the code phases (implement, test) and those
    before them run first; CI failures and review feedback re-run from the first code phase."""

    phases: list[str]

    @property
    def _code(self) -> list[int]:
        return [i for i, p in enumerate(self.phases) if p in ("implement", "test")]

    @property
    def gate(self) -> int:
        code = self._code
        return code[-1] + 1 if code else len(self.phases)

    @property
    def fix_from(self) -> int:
        code = self._code
        return code[0] if code else 0

    @property
    def before_push(self) -> list[str]:
        return self.phases[: self.gate]

    @property
    def fixing(self) -> list[str]:
        return self.phases[self.fix_from : self.gate]

    @property
    def after_ci(self) -> list[str]:
        return self.phases[self.gate :]


class Phases:
    """Runs phases for one run; `previous` maps phase names to their artifact names (the
    activity loads them) and the workflow keeps only short summaries."""

    def __init__(self, run: RunContext, workspace: WorkspaceInfo | None) -> None:
        self.run = run
        self.workspace = workspace
        self.previous: dict[str, str] = {}

    async def run_all(
        self, names: list[str], *, ci_failure: str | None = None, feedback: str | None = None
    ) -> None:
        """Run `names` in order; the review text goes to the first one only, the CI excerpt to
        each run of the first phase's name (RUN_PHASES may name a phase twice)."""
        for index, name in enumerate(names):
            await self.run_one(
                name, ci_failure if name == names[0] else None, feedback if index == 0 else None
            )

    async def run_one(
        self, name: str, ci_failure: str | None = None, feedback: str | None = None
    ) -> None:
        run, workspace = self.run, self.workspace
        assert run.issue is not None
        run.phase = name
        await run.set_status(RunStatus.RUNNING)
        data = PhaseInput(
            run.input.run_id,
            name,
            run.iteration,
            run.issue.for_agent(),
            {},
            workspace.path if workspace else None,
            ci_failure,
            feedback=feedback,
            previous_artifacts=dict(self.previous),
            base_sha=workspace.base_sha if workspace else None,
            comments_artifact=run.comments_artifact,
        )
        out: PhaseOutput = await step(run, lambda: _attempts(run, data), f"phase {name}")
        self.previous[name] = out.artifact_name
        run.summaries[name] = out.summary
        run.note_refused(out.refused_hosts)
        if out.usage:
            add_usage(run.usage, name, out.usage)


def add_usage(total: dict[str, dict[str, int]], phase: str, usage: dict[str, int]) -> None:
    """Sum one phase's token usage into the run's per-phase totals."""
    into = total.setdefault(phase, {})
    for name, value in usage.items():
        into[name] = into.get(name, 0) + int(value)


async def _attempts(run: RunContext, data: PhaseInput) -> PhaseOutput:
    """Attempt a phase until it succeeds, fails PHASE_FAILURES times or cannot be retried;
    worker crashes (heartbeat timeouts) are retried without counting as failures."""
    cfg = run.config
    failures = crashes = 0
    while True:
        try:
            out: PhaseOutput = await workflow.execute_activity_method(
                AgentActivities.run_phase,
                data,
                start_to_close_timeout=timedelta(seconds=cfg.phase_timeout_seconds),
                heartbeat_timeout=timedelta(seconds=cfg.heartbeat_seconds),
                retry_policy=PHASE_ATTEMPT,
            )
            return out
        except ActivityError as exc:
            run.note_refused(refused_hosts_of(exc))
            if run.cancel or isinstance(exc.cause, CancelledError):
                raise
            if crashed(exc) and crashes < PHASE_CRASHES:
                crashes += 1
                workflow.logger.info("phase %s: worker lost, retrying (%d)", data.phase, crashes)
                continue
            failures += 1
            if failures >= PHASE_FAILURES or not phase_retryable(exc):
                raise
            first, largest = PHASE_BACKOFF
            await workflow.sleep(min(largest, first * 2 ** (failures - 1)))


async def step(run: RunContext, start: Callable[[], Awaitable[T]], what: str) -> T:
    """Run a long step; on failure wait for `retry` (re-run) or give up after the window."""
    while True:
        try:
            return await cancellable(run, start)
        except ActivityError as exc:
            reason = f"{what}: {reason_of(exc)}"
            cause = exc.cause
            if isinstance(cause, ApplicationError) and cause.type == "RunConfigError":
                raise RunFailed(reason) from None
            await _wait_for_retry(run, reason)


async def cancellable(run: RunContext, start: Callable[[], Awaitable[T]]) -> T:
    """`start()`'s result, unless `cancel` arrives first: then RunCancelled."""
    if run.cancel:
        raise RunCancelled()  # before start(): no activity coroutine is left unawaited
    task = asyncio.ensure_future(start())
    await workflow.wait_condition(lambda: task.done() or run.cancel)
    if task.done():
        return task.result()
    task.cancel()  # the activity's next heartbeat learns it is cancelled
    with contextlib.suppress(asyncio.CancelledError, ActivityError):
        await task
    raise RunCancelled()


async def _wait_for_retry(run: RunContext, reason: str) -> None:
    """FAILED, with a comment, until `retry` (back to RUNNING), `cancel` or the window ends."""
    cfg = run.config
    run.failures += 1
    run.retry = False
    await run.set_status(RunStatus.FAILED, error=reason)
    await run.artifact(f"failure-{run.failures}", "text", reason)
    await run.comment(
        f"failure-{run.failures}",
        msg.failure_comment(
            run_id=run.input.run_id,
            phase=run.phase,
            retry_hint=(
                f"Send the `retry` signal within {int(cfg.retry_window_seconds)} s to re-run it."
            ),
            link=run.link(),
            api_link=run.api_link(),
            refused_hosts=run.refused_hosts,
        ),
    )
    try:
        await workflow.wait_condition(
            lambda: run.retry or run.cancel,
            timeout=timedelta(seconds=cfg.retry_window_seconds),
        )
    except TimeoutError:
        raise RunFailed(reason) from None
    if run.cancel:
        raise RunCancelled()
    run.retry = False
    await run.set_status(RunStatus.RUNNING)
