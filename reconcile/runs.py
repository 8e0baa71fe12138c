"""Close run rows whose workflow ended without saying so (terminated, timed out, failed,
cancelled from outside): otherwise the row stays active and holds the issue's one active run."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import col, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHistoryEventFilterType
from temporalio.service import RPCError, RPCStatusCode

from contract.statuses import ACTIVE_RUN_STATUSES, RunStatus
from db.engine import SessionFactory
from db.models import Run
from db.types import utcnow

log = logging.getLogger("hookflow.reconcile")

_CLOSED: dict[WorkflowExecutionStatus, tuple[str, str]] = {
    WorkflowExecutionStatus.TERMINATED: (RunStatus.FAILED, "workflow terminated"),
    WorkflowExecutionStatus.TIMED_OUT: (RunStatus.FAILED, "workflow timed out"),
    WorkflowExecutionStatus.FAILED: (RunStatus.FAILED, "workflow failed"),
    WorkflowExecutionStatus.CANCELED: (RunStatus.CANCELLED, "workflow cancelled"),
    WorkflowExecutionStatus.COMPLETED: (
        RunStatus.FAILED,
        "workflow completed without a final status",
    ),
}


def closed_run_status(
    workflow: WorkflowExecutionStatus | None, detail: str = ""
) -> tuple[str, str] | None:
    """The run status and reason for a workflow that is closed; None while it runs."""
    found = _CLOSED.get(workflow) if workflow is not None else None
    if found is None:
        return None
    status, reason = found
    detail = " ".join(detail.split())[:500]
    return status, f"{reason} (closed by the reconciler): {detail}" if detail else (
        f"{reason} (closed by the reconciler)"
    )


@dataclass
class ClosedRun:
    run_id: str
    status: str
    reason: str


class RunReconciler:
    """Every `interval` seconds, close the run rows whose workflow is closed."""

    def __init__(
        self, sessions: SessionFactory, client: Client, *, interval: float, batch: int = 200
    ) -> None:
        self._sessions = sessions
        self._client = client
        self._interval = interval
        self._batch = batch

    async def run_forever(self) -> None:
        while True:
            try:
                for closed in await self.reconcile_once():
                    log.warning(
                        "run %s closed as %s: %s", closed.run_id, closed.status, closed.reason
                    )
            except Exception as exc:  # noqa: BLE001 - Temporal or the database down: next round
                log.warning("run reconciler: %s: %s", type(exc).__name__, exc)
            await asyncio.sleep(self._interval)

    async def reconcile_once(self) -> list[ClosedRun]:
        """One pass over the active runs, least recently updated first."""
        async with self._sessions() as session:
            query = (
                select(Run.id, Run.workflow_id, Run.status)
                .where(col(Run.status).in_(ACTIVE_RUN_STATUSES))
                .order_by(col(Run.updated_at))
                .limit(self._batch)
            )
            rows = (await session.exec(query)).all()
        closed = []
        for run_id, workflow_id, seen in rows:
            outcome = await self._workflow_outcome(workflow_id)
            if outcome is None:
                continue
            status, reason = outcome
            if await self._close(run_id, seen, status, reason):
                closed.append(ClosedRun(str(run_id), status, reason))
        return closed

    async def _workflow_outcome(self, workflow_id: str) -> tuple[str, str] | None:
        handle = self._client.get_workflow_handle(workflow_id)
        try:
            description = await handle.describe()
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return None  # not started yet (the dispatcher retries) or already purged
            raise
        if closed_run_status(description.status) is None:
            return None
        return closed_run_status(description.status, await self._close_detail(workflow_id))

    async def _close_detail(self, workflow_id: str) -> str:
        """The terminate reason or failure message from the workflow's close event."""
        handle = self._client.get_workflow_handle(workflow_id)
        async for event in handle.fetch_history_events(
            event_filter_type=WorkflowHistoryEventFilterType.CLOSE_EVENT
        ):
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
                return str(event.workflow_execution_terminated_event_attributes.reason)
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
                return str(event.workflow_execution_failed_event_attributes.failure.message)
        return ""

    async def _close(self, run_id: uuid.UUID, seen: str, status: str, reason: str) -> bool:
        # Only if the row still has the status we saw: the workflow's own last write wins.
        now = utcnow()
        async with self._sessions() as session:
            result = await session.exec(
                update(Run)
                .where(col(Run.id) == run_id, col(Run.status) == seen)
                .values(status=status, error=reason[:4000], finished_at=now, updated_at=now)
            )
            await session.commit()
        return bool(result.rowcount)
