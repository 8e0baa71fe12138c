"""What RunWorkflow takes, returns, is signalled with and answers to its `progress` query."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Feedback:
    """Review text from a person allowed to steer the run (checked by routing): the `feedback`
    signal's argument, and what a follow-up execution starts with."""

    text: str
    author: str = ""
    source: str = "review"  # review | comment
    pr_number: int | None = None
    url: str | None = None
    comment_id: int | None = None

    def text_for_agent(self) -> str:
        who = f"@{self.author}" if self.author else "a reviewer"
        body = self.text.strip() or "(no text: see the review on the pull request)"
        return f"From {who} ({self.source}):\n{body}"


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
    # Who asked on GitHub (a label's sender): checked against RUN_TRIGGER_PERMISSION first.
    # None for starts by the API or CLI, and by a command that checked its author already.
    sender: str | None = None
    # The comment that asked for the run (`/hookflow run`): the 👀 goes there, not on the issue.
    trigger_comment_id: int | None = None


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
