"""RunWorkflow: one AI run on an issue labelled `ai:run` (seed 000)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.runs import ArtifactInput, RunActivities, RunStatusUpdate
    from workflows import search_attributes as sa


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


DB_ACTIVITY = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(seconds=10)),
}


@workflow.defn(name="RunWorkflow")
class RunWorkflow:
    def __init__(self) -> None:
        self._status = "RECEIVED"
        self._phase: str | None = None

    @workflow.run
    async def run(self, input: RunInput) -> RunResult:
        workflow.upsert_search_attributes([
            sa.REPO.value_set(input.repo),
            sa.ISSUE_NUMBER.value_set(input.issue_number),
            sa.KIND.value_set("ai-run"),
        ])
        await self._set(input, "RUNNING")
        error: str | None = None
        try:
            context = {
                "repo": input.repo,
                "issueNumber": input.issue_number,
                "title": input.title,
                "body": input.body,
                "branch": input.branch,
            }
            await workflow.execute_activity_method(
                RunActivities.record_artifact,
                ArtifactInput(input.run_id, "issue", "json", json.dumps(context, indent=2)),
                **DB_ACTIVITY,  # type: ignore[arg-type]
            )
            status = "SUCCEEDED"
        except ActivityError as exc:
            status, error = "FAILED", str(exc.cause or exc)
        await self._set(input, status, error=error)
        return RunResult(input.run_id, status, error)

    async def _set(self, input: RunInput, status: str, *, error: str | None = None) -> None:
        self._status = status
        workflow.upsert_search_attributes([sa.STATUS.value_set(status)])
        await workflow.execute_activity_method(
            RunActivities.set_status,
            RunStatusUpdate(input.run_id, status, phase=self._phase, error=error),
            **DB_ACTIVITY,  # type: ignore[arg-type]
        )

    @workflow.query
    def status(self) -> dict[str, object]:
        return {"status": self._status, "phase": self._phase}
