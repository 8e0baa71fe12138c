"""RetentionWorkflow: the scheduled clean-up of old deliveries and notification log files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.retention import (
        PurgeEventsInput,
        PurgeLogsInput,
        RetentionActivities,
    )
    from contract.names import Workflow

PURGE_ACTIVITY: dict[str, Any] = {
    "start_to_close_timeout": timedelta(hours=1),
    "heartbeat_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=5), maximum_attempts=10),
}


@dataclass
class RetentionInput:
    batch_size: int = 0  # 0: RETENTION_BATCH_SIZE


@dataclass
class RetentionResult:
    deliveries: int
    rejected: int
    log_files: int


@workflow.defn(name=Workflow.RETENTION)
class RetentionWorkflow:
    @workflow.run
    async def run(self, input: RetentionInput) -> RetentionResult:
        events = await workflow.execute_activity_method(
            RetentionActivities.purge_events,
            PurgeEventsInput(batch_size=input.batch_size),
            **PURGE_ACTIVITY,
        )
        logs = await workflow.execute_activity_method(
            RetentionActivities.purge_logs, PurgeLogsInput(), **PURGE_ACTIVITY
        )
        return RetentionResult(
            deliveries=events.deliveries, rejected=events.rejected, log_files=logs.files
        )
