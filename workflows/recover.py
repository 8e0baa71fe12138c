"""RecoverWorkflow: one missed-delivery recovery pass (started by the RECOVER_INTERVAL schedule)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.recover import RecoverActivities, RecoverInput, RecoverReport
    from contract.names import Workflow


@workflow.defn(name=Workflow.RECOVER)
class RecoverWorkflow:
    @workflow.run
    async def run(self, input: RecoverInput) -> RecoverReport:
        # The report says which hooks GitHub refused; a whole pass is retried only on crashes.
        return await workflow.execute_activity_method(
            RecoverActivities.missed_deliveries,
            input,
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=RetryPolicy(maximum_attempts=3),
        )
