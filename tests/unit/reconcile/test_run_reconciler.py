"""The run status the reconciler gives a run whose workflow closed from outside, by the workflow's
outcome (a table)."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowExecutionStatus

from reconcile.runs import closed_run_status


@pytest.mark.parametrize(
    ("workflow", "detail", "expected"),
    [
        (WorkflowExecutionStatus.RUNNING, "", None),
        (None, "", None),
        (WorkflowExecutionStatus.CONTINUED_AS_NEW, "", None),
        (
            WorkflowExecutionStatus.TERMINATED,
            "stuck\n run",
            ("FAILED", "workflow terminated (closed by the reconciler): stuck run"),
        ),
        (
            WorkflowExecutionStatus.TIMED_OUT,
            "",
            ("FAILED", "workflow timed out (closed by the reconciler)"),
        ),
        (
            WorkflowExecutionStatus.FAILED,
            "payload too large",
            ("FAILED", "workflow failed (closed by the reconciler): payload too large"),
        ),
        (
            WorkflowExecutionStatus.CANCELED,
            "",
            ("CANCELLED", "workflow cancelled (closed by the reconciler)"),
        ),
    ],
)
def test_closed_run_status_maps_workflow_outcome(
    workflow: WorkflowExecutionStatus | None, detail: str, expected: tuple[str, str] | None
) -> None:
    assert closed_run_status(workflow, detail) == expected
