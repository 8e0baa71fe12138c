"""The run status the reconciler gives a run whose workflow closed from outside, by the workflow's
outcome (a table)."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowExecutionStatus

from reconcile.runs import closed_run_status
from tests.support.ai_run import (
    bare,  # noqa: F401 - a fixture
    extra_settings,  # noqa: F401 - a fixture
    fake_github,  # noqa: F401 - a fixture
    settings_overrides,  # noqa: F401 - a fixture
)


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
