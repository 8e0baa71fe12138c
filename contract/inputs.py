"""The inputs and signal arguments of hookflow's workflows: what routing builds and stores in a
delivery's plan, and what the workflows take. One definition each (workflow modules re-export)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contract.notify_plan import HeldNotice, NotifyPlan, NotifyTiming, SilencedNotice

EVENTS_PER_RUN = 100  # CIFailureWorkflow continues as new after this many events


@dataclass
class IssueRef:
    """The issue (or pull request) a record is about: the first fields of every such record."""

    repo: str
    issue_number: int

    @property
    def ref(self) -> str:
        """`owner/repo#N`, as GitHub writes it."""
        return f"{self.repo}#{self.issue_number}"


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
    """What RunWorkflow returns; the `runs` table's status update is this with phase and PR."""

    run_id: str
    status: str
    error: str | None = None
    pr_url: str | None = None
    iteration: int = 0


@dataclass
class RunStatusUpdate(RunResult):
    """The run's state as the `runs` table mirrors it while it runs: with its phase and PR."""

    phase: str | None = None
    pr_number: int | None = None


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
class CIRunEvent:
    """One completed workflow run, as routing sends it (the signal argument)."""

    repo: str
    workflow: str
    branch: str
    run_id: int
    run_url: str = ""
    attempt: int = 1
    head_sha: str = ""
    actor: str = ""
    conclusion: str = "failure"
    delivery_id: str | None = None

    @property
    def key(self) -> str:
        return f"{self.run_id}-{self.attempt}-{self.conclusion}"


@dataclass
class CISettings:
    label: str
    reopen_window_seconds: float


@dataclass
class CIFailureInput:
    repo: str
    workflow: str
    branch: str
    # Carried over continue-as-new:
    settings: CISettings | None = None
    issue_number: int = 0
    issue_url: str = ""
    issue_open: bool = False
    closed_at: str | None = None  # ISO time the issue was closed by a green run
    recovered_sha: str | None = None
    failure_count: int = 0
    pending: list[CIRunEvent] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    events_per_run: int = EVENTS_PER_RUN


@dataclass
class PRMergedInput:
    repo: str
    pr_number: int
    pr_url: str = ""
    title: str = ""
    body: str = ""
    base_branch: str = ""
    head_branch: str = ""
    default_branch: str = ""
    merged_at: str | None = None
    merged_by: str = ""
    delivery_id: str | None = None


@dataclass
class BlockedTaskInput(IssueRef):
    title: str = ""
    url: str = ""
    sender: str = ""
    delivery_id: str | None = None


@dataclass
class TaskSignal:
    by: str = ""
    delivery_id: str | None = None
    note: str = ""


@dataclass
class CommandInput:
    repo: str
    number: int
    is_pull: bool
    command: str  # run | approve | retry | cancel | status | feedback | "" (unknown)
    verdict: str  # ok | unauthorised | unknown
    author: str
    text: str
    source: str  # comment | review
    item_id: int
    word: str = ""
    head_branch: str | None = None
    url: str = ""
    delivery_id: str | None = None
    handle: str = "hookflow"


@dataclass
class GroupEvent:
    key: str  # "{delivery_id}-{index}": the same event signalled twice counts once
    notification: dict[str, Any]
    delivery_id: str | None = None


@dataclass
class GroupInput:
    group_key: str
    kind: str  # workflow_run | check_run
    repo: str
    workflow: str
    branch: str = ""
    # State carried across continue-as-new.
    red_since: str | None = None
    last_notice_at: str | None = None
    failures_total: int = 0
    reminders: int = 0
    last_failure: dict[str, Any] | None = None
    seen: list[str] = field(default_factory=list)
    pending: list[GroupEvent] = field(default_factory=list)
    # The newest CI run (ci_order) seen failing / succeeding, and how many events were older.
    newest_failure: list[Any] | None = None
    newest_success: list[Any] | None = None
    stale: int = 0
    # Routed groups (NOTIFY_CONFIG): the first route's timing, the receivers held by a mute
    # and the silences that kept it quiet while red.
    timing: NotifyTiming | None = None
    held: dict[str, HeldNotice] = field(default_factory=dict)
    silenced: dict[str, SilencedNotice] = field(default_factory=dict)


@dataclass
class NotificationInput:
    """One notification to deliver.

    `notification` is a `routing.notifications.Notification.to_dict()` or any dict with at
    least `type`, `priority`, `repo` and `summary` (plus optionally `title`, `url`, `event`).
    """

    notification: dict[str, Any]
    delivery_id: str | None = None
    count: int = 1
    # Decided already (by its CI group); None: the workflow decides where it goes.
    plan: NotifyPlan | None = None

    @classmethod
    def of(
        cls, notification: dict[str, Any], *, delivery_id: str | None = None, count: int = 1
    ) -> NotificationInput:
        return cls(notification=dict(notification), delivery_id=delivery_id, count=count)
