"""CIFailureWorkflow: one per (repo, workflow, branch) failure stream, fed by signal-with-start.

State machine: first failure → open an issue; later failures → comment; a green run → comment
and close; a failure within the reopen window after closing → reopen + `flaky`; the workflow
ends when the window passes quietly (a later failure starts a fresh workflow: a new issue).
Signals queue up and are handled one at a time, so concurrent failures never open two issues.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError

from workflows.activity_options import CI_FAILURE_GITHUB_ACTIVITY as GITHUB_ACTIVITY

with workflow.unsafe.imports_passed_through():
    from activities.ci_failed_jobs import FailedJob
    from activities.ci_failure import (
        CIFailureActivities,
        CIRunEvent,
        FailureReport,
    )
    from contract.inputs import EVENTS_PER_RUN as EVENTS_PER_RUN
    from contract.inputs import CIFailureInput as CIFailureInput
    from contract.names import Query, Signal, Workflow
    from workflows import search_attributes as sa

__all__ = ["CIFailureInput", "CIFailureWorkflow", "CIRunEvent"]


SEEN_KEEP = 200


@workflow.defn(name=Workflow.CI_FAILURE)
class CIFailureWorkflow:
    def __init__(self) -> None:
        self._s = CIFailureInput("", "", "")
        self._pending: list[CIRunEvent] = []

    @workflow.signal(name=Signal.RUN_COMPLETED)
    def run_completed(self, event: CIRunEvent) -> None:
        self._pending.append(event)

    @workflow.query(name=Query.STATE)
    def state(self) -> dict[str, Any]:
        s = self._s
        return {
            "issue_number": s.issue_number,
            "issue_open": s.issue_open,
            "closed_at": s.closed_at,
            "failure_count": s.failure_count,
            "pending": len(self._pending),
        }

    @workflow.run
    async def run(self, input: CIFailureInput) -> dict[str, Any]:
        self._s = input
        # Signals delivered with the start (or before this line) are already in _pending.
        self._pending = [*input.pending, *self._pending]
        workflow.upsert_search_attributes(
            [
                sa.REPO.value_set(input.repo),
                sa.KIND.value_set("ci-failure"),
            ]
        )
        if input.settings is None:
            input.settings = await workflow.execute_activity_method(
                CIFailureActivities.ci_settings,
                **GITHUB_ACTIVITY,
            )
        handled = 0
        while True:
            if not self._pending and not await self._wait_for_event():
                return self.state()
            event = self._pending.pop(0)
            if event.key not in self._s.seen:
                await self._handle(event)
                self._s.seen = [*self._s.seen, event.key][-SEEN_KEEP:]
            handled += 1
            if handled >= input.events_per_run or workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                self._s.pending = list(self._pending)
                workflow.continue_as_new(self._s)

    async def _wait_for_event(self) -> bool:
        """Wait for the next event; False when the workflow has nothing left to watch."""
        s = self._s
        if s.issue_open:
            await workflow.wait_condition(lambda: bool(self._pending))
            return True
        if s.closed_at is None:
            return False  # e.g. a green run with no issue: nothing to track
        left = self._window_end() - workflow.now()
        if left <= timedelta(0):
            return bool(self._pending)
        try:
            await workflow.wait_condition(lambda: bool(self._pending), timeout=left)
        except TimeoutError:
            return bool(self._pending)
        return True

    def _window_end(self) -> datetime:
        assert self._s.closed_at is not None and self._s.settings is not None
        window = timedelta(seconds=self._s.settings.reopen_window_seconds)
        return datetime.fromisoformat(self._s.closed_at) + window

    async def _handle(self, event: CIRunEvent) -> None:
        s = self._s
        if event.conclusion == "success":
            if s.issue_open:
                await self._call(CIFailureActivities.close_recovered, self._report(event, []))
                s.issue_open = False
                s.closed_at = workflow.now().isoformat()
                s.recovered_sha = event.head_sha or None
                workflow.upsert_search_attributes([sa.STATUS.value_set("closed")])
            return
        jobs: list[FailedJob] = []
        try:
            jobs = await workflow.execute_activity_method(
                CIFailureActivities.collect_failed_jobs,
                event,
                **GITHUB_ACTIVITY,
            )
        except ActivityError as exc:
            # e.g. the run was deleted (404): report the failure without job details.
            workflow.logger.warning("no job details for run %s: %s", event.run_id, exc.cause)
        s.failure_count += 1
        report = self._report(event, jobs)
        if s.issue_open:
            await self._call(CIFailureActivities.comment_failure, report)
        elif s.closed_at is not None and workflow.now() <= self._window_end():
            await self._call(CIFailureActivities.reopen_flaky, report)
            s.issue_open, s.closed_at = True, None
        else:
            s.failure_count = 1
            report.failure_count = 1
            report.issue_number = 0
            issue = await workflow.execute_activity_method(
                CIFailureActivities.open_issue,
                report,
                **GITHUB_ACTIVITY,
            )
            s.issue_number, s.issue_url = issue.number, issue.url
            s.issue_open, s.closed_at, s.recovered_sha = True, None, None
            workflow.upsert_search_attributes([sa.ISSUE_NUMBER.value_set(issue.number)])
        workflow.upsert_search_attributes([sa.STATUS.value_set("open")])

    def _report(self, event: CIRunEvent, jobs: list[FailedJob]) -> FailureReport:
        s = self._s
        assert s.settings is not None
        return FailureReport(
            event=event,
            label=s.settings.label,
            issue_number=s.issue_number,
            failure_count=s.failure_count,
            failed_jobs=jobs,
            recovered_sha=s.recovered_sha,
        )

    async def _call(
        self,
        method: Callable[[CIFailureActivities, FailureReport], Awaitable[None]],
        report: FailureReport,
    ) -> None:
        await workflow.execute_activity_method(
            method,
            report,
            **GITHUB_ACTIVITY,
        )
