"""What RunWorkflow takes, returns, is signalled with and answers to its `progress` query."""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.run_feedback import Feedback


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
    # A follow-up on the branch of a finished run: the review text, and the iterations so far.
    feedback: Feedback | None = None
    start_iteration: int = 0


@dataclass
class RunResult:
    run_id: str
    status: str
    error: str | None = None
    pr_url: str | None = None
    iteration: int = 0


@dataclass
class CIResult:
    """A CI result for the run branch (a completed workflow_run or check_suite), as
    routing.run_ci builds the `ci_result` signal's argument."""

    conclusion: str
    name: str = ""
    workflow_run_id: int | None = None
    head_sha: str | None = None
    html_url: str | None = None
    source: str = "workflow_run"


@dataclass
class RunProgress:
    status: str
    phase: str | None
    iteration: int
    pr_url: str | None
    ci_failures: int
    ci_pending: list[str] = field(default_factory=list)  # check suites still running
