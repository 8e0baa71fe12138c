"""What RunWorkflow takes, returns, is signalled with and answers to its `progress` query."""

from __future__ import annotations

from dataclasses import dataclass, field

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contract.inputs import CIResult as CIResult
    from contract.inputs import Feedback as Feedback
    from contract.inputs import RunInput as RunInput
    from contract.inputs import RunResult as RunResult


@dataclass
class RunProgress:
    status: str
    phase: str | None
    iteration: int
    pr_url: str | None
    ci_failures: int
    ci_pending: list[str] = field(default_factory=list)  # check suites still running
