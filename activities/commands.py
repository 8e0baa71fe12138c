"""Activities behind slash commands and review feedback: find the run a comment is about, and
store the start of a `/hookflow run` run (idempotent: its id derives from the comment)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from temporalio import activity

from activities.database import DatabaseActivities
from contract.inputs import IssueRef
from db.models import Run
from db.types import utcnow
from delivery.manual import record_manual_start
from routing.ai_run import run_id_for
from routing.run_ci import run_workflow_for_branch


@dataclass
class LookupInput:
    repo: str
    number: int  # the issue or pull request the comment is on
    is_pull: bool
    head_branch: str | None = None


@dataclass
class RunInfo:
    run_id: str
    workflow_id: str
    status: str
    phase: str | None
    iteration: int
    issue_number: int
    branch: str | None
    pr_number: int | None
    pr_url: str | None
    title: str | None
    clone_url: str | None
    finished_seconds_ago: float | None


@dataclass
class CommandContext:
    run: RunInfo | None
    feedback_window_seconds: float
    max_iterations: int
    ui_url: str
    namespace: str


@dataclass
class CreateRunInput(IssueRef):
    key: str  # the comment's business key: a retried activity finds its own row
    trigger_comment_id: int | None = None  # the comment asking: the run's 👀 goes there


@dataclass
class CreatedRun:
    run: RunInfo
    attached: bool  # an active run existed already; nothing new was created


# The fields of RunInfo that are the row's own, as stored.
_AS_STORED = {
    "status",
    "phase",
    "issue_number",
    "branch",
    "pr_number",
    "pr_url",
    "title",
    "clone_url",
}


def run_info(run: Run) -> RunInfo:
    finished = run.finished_at
    if finished is not None and finished.tzinfo is None:
        finished = finished.replace(tzinfo=utcnow().tzinfo)
    return RunInfo(
        run_id=str(run.id),
        workflow_id=run.workflow_id or "",
        iteration=run.iteration or 0,
        finished_seconds_ago=(utcnow() - finished).total_seconds() if finished else None,
        **run.model_dump(include=_AS_STORED),
    )


class CommandActivities(DatabaseActivities):
    @activity.defn(name="commands.lookup")
    async def lookup(self, input: LookupInput) -> CommandContext:
        """The run a comment is about (by run branch, PR number or issue; newest first)."""
        query = select(Run).where(Run.repo == input.repo)
        workflow_id = run_workflow_for_branch(input.repo, input.head_branch)
        if workflow_id is not None:
            query = query.where(Run.workflow_id == workflow_id)
        elif input.is_pull:
            query = query.where(Run.pr_number == input.number)
        else:
            query = query.where(Run.issue_number == input.number)
        query = query.order_by(col(Run.created_at).desc()).limit(1)
        async with self._sessions() as session:
            run = (await session.exec(query)).first()
        s = self._settings
        return CommandContext(
            run=run_info(run) if run is not None else None,
            feedback_window_seconds=s.run_feedback_window.total_seconds(),
            max_iterations=s.run_max_iterations,
            ui_url=s.temporal_ui_url.rstrip("/"),
            namespace=s.temporal_namespace,
        )

    @activity.defn(name="commands.create_run")
    async def create_run(self, input: CreateRunInput) -> CreatedRun:
        """`/hookflow run`: admit a run on the issue (or find its active one) and store its
        start as a plan, which the API's outbox dispatcher starts (one path to Temporal)."""
        started = await record_manual_start(
            self._sessions,
            repo=input.repo,
            issue_number=input.issue_number,
            run_id=run_id_for(f"command:{input.key}"),
            source="command",
            key=input.key,
            due_now=True,
            trigger_comment_id=input.trigger_comment_id,
        )
        return CreatedRun(run_info(started.run), attached=started.attached)
