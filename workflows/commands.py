"""CommandWorkflow: act once on one slash command or piece of review feedback (its id is the
comment's business key): answer, signal the run, start a run, or start a follow-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

from workflows.activity_options import DB_ACTIVITY, GITHUB_ACTIVITY

with workflow.unsafe.imports_passed_through():
    from activities.commands import (
        CommandActivities,
        CommandContext,
        CreateRunInput,
        LookupInput,
        RunInfo,
    )
    from activities.run_github import RunCommentInput, RunGitHubActivities
    from contract.inputs import CommandInput as CommandInput
    from contract.inputs import Feedback, RunInput
    from contract.names import Workflow
    from contract.statuses import SIGNALLABLE_RUN_STATUSES, RunStatus
    from workflows import command_messages as reply
    from workflows.run import messages as msg
    from workflows.run.intake import PATCH_TRIGGER, ignore_delivery, refusal_for
    from workflows.run.workflow import SIGNAL_METHODS, RunWorkflow

FOLLOW_UP_ATTEMPTS = 10
# `/hookflow run`: create_run stores the run's start with the run; the outbox dispatcher starts
# it. Executions recorded before started the run as a child themselves.
RUN_THROUGH_OUTBOX = "run-start-through-outbox"
# Commands that start or steer work need RUN_TRIGGER_PERMISSION; `status` only reads.
GATED_COMMANDS = frozenset({"run", "feedback", "approve", "retry", "cancel"})


@dataclass
class CommandResult:
    outcome: str
    run_id: str | None = None


@workflow.defn(name=Workflow.COMMAND)
class CommandWorkflow:
    @workflow.run
    async def run(self, input: CommandInput) -> CommandResult:
        self._input = input
        if input.verdict == "unauthorised":
            await self._reply(
                reply.unauthorised(author=input.author, word=input.word, handle=input.handle)
            )
            return CommandResult("unauthorised")
        if input.verdict != "ok" or not input.command:
            await self._reply(
                reply.unknown(author=input.author, word=input.word, handle=input.handle)
            )
            return CommandResult("unknown")
        if input.command in GATED_COMMANDS and workflow.patched(PATCH_TRIGGER):
            refused = await self._refused()
            if refused is not None:
                return refused
        ctx: CommandContext = await workflow.execute_activity_method(
            CommandActivities.lookup,
            LookupInput(input.repo, input.number, input.is_pull, input.head_branch),
            **DB_ACTIVITY,
        )
        self._ctx = ctx
        if input.command == "run":
            return await self._start_run()
        run = ctx.run
        if run is None:
            what = "take this feedback" if input.command == "feedback" else input.command
            await self._reply(reply.no_run(what=what))
            return CommandResult("no-run")
        if input.command == "status":
            await self._reply(reply.status(run, link=self._link(run)))
            return CommandResult("status", run.run_id)
        if input.command == "feedback":
            return await self._feedback(run)
        return await self._signal(run)

    async def _signal(self, run: RunInfo) -> CommandResult:
        name = self._input.command
        method = SIGNAL_METHODS[name]
        if run.status not in SIGNALLABLE_RUN_STATUSES:
            await self._reply(reply.not_running(name=name, run=run))
            return CommandResult("not-running", run.run_id)
        try:
            await workflow.get_external_workflow_handle(run.workflow_id).signal(method)
        except Exception:  # noqa: BLE001 - the workflow ended between lookup and signal
            await self._reply(reply.not_running(name=name, run=run))
            return CommandResult("not-running", run.run_id)
        await self._reply(reply.signal_sent(name=name, run=run, author=self._input.author))
        return CommandResult(f"signalled-{name}", run.run_id)

    async def _feedback(self, run: RunInfo) -> CommandResult:
        i = self._input
        feedback = Feedback(
            text=i.text,
            author=i.author,
            source=i.source,
            pr_number=i.number if i.is_pull else run.pr_number,
            url=i.url or None,
            comment_id=i.item_id,
        )
        if run.status in SIGNALLABLE_RUN_STATUSES:
            try:
                await workflow.get_external_workflow_handle(run.workflow_id).signal(
                    RunWorkflow.feedback, feedback
                )
                return CommandResult("feedback-signalled", run.run_id)  # the run acknowledges
            except Exception:  # noqa: BLE001 - it just finished: fall through to a follow-up
                pass
        window = self._ctx.feedback_window_seconds
        age = run.finished_seconds_ago
        if run.status != RunStatus.SUCCEEDED or age is None or age > window:
            await self._reply(reply.feedback_closed(run, window=_human(window), handle=i.handle))
            return CommandResult("feedback-closed", run.run_id)
        if run.iteration >= self._ctx.max_iterations:
            await self._reply(reply.iterations_used(run, cap=self._ctx.max_iterations))
            return CommandResult("feedback-limit", run.run_id)
        follow_up = RunInput(
            run_id=run.run_id,
            repo=i.repo,
            issue_number=run.issue_number,
            title=run.title or "",
            clone_url=run.clone_url,
            branch=run.branch,
            feedback=feedback,
            start_iteration=run.iteration,
        )
        for attempt in range(FOLLOW_UP_ATTEMPTS):
            try:
                await workflow.start_child_workflow(
                    RunWorkflow.run,
                    follow_up,
                    id=run.workflow_id,
                    id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                    parent_close_policy=ParentClosePolicy.ABANDON,
                )
                return CommandResult("feedback-follow-up", run.run_id)
            except WorkflowAlreadyStartedError:
                # SUCCEEDED is recorded just before the run's workflow cleans up and ends.
                if attempt + 1 < FOLLOW_UP_ATTEMPTS:
                    await workflow.sleep(timedelta(seconds=2))
        await self._reply(reply.not_running(name="feedback", run=run))
        return CommandResult("feedback-busy", run.run_id)

    async def _start_run(self) -> CommandResult:
        i = self._input
        if i.is_pull:
            await self._reply(reply.run_on_pull(handle=i.handle))
            return CommandResult("run-on-pull")
        created = await workflow.execute_activity_method(
            CommandActivities.create_run,
            CreateRunInput(
                i.repo,
                i.number,
                f"{i.repo}:{i.source}:{i.item_id}",
                trigger_comment_id=i.item_id if i.source == "comment" else None,
            ),
            **DB_ACTIVITY,
        )
        run = created.run
        if created.attached:
            await self._reply(reply.already_running(run, link=self._link(run)))
            return CommandResult("attached", run.run_id)
        if workflow.patched(RUN_THROUGH_OUTBOX):
            return CommandResult("started", run.run_id)  # the outbox starts it; its comment says so
        try:
            await workflow.start_child_workflow(
                RunWorkflow.run,
                RunInput(
                    run_id=run.run_id,
                    repo=i.repo,
                    issue_number=i.number,
                    branch=run.branch,
                    delivery_id=i.delivery_id,
                    trigger_comment_id=i.item_id if i.source == "comment" else None,
                ),
                id=run.workflow_id,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                parent_close_policy=ParentClosePolicy.ABANDON,
            )
        except WorkflowAlreadyStartedError:
            pass  # started by an earlier attempt of this workflow: its comment says so
        return CommandResult("started", run.run_id)  # the run's start comment answers

    async def _refused(self) -> CommandResult | None:
        """None when the author has RUN_TRIGGER_PERMISSION; else the polite answer, and the
        delivery is marked ignored with the reason."""
        i = self._input
        refusal = await refusal_for(i.repo, i.author)
        if refusal is None:
            return None
        await ignore_delivery(i.repo, i.delivery_id, refusal.reason)
        what = "work on review feedback" if i.command == "feedback" else f"`/{i.handle} {i.word}`"
        await self._reply(
            msg.not_permitted_comment(
                login=i.author, role=refusal.role, needed=refusal.needed, what=what
            )
        )
        return CommandResult("not-permitted")

    def _link(self, run: RunInfo) -> str | None:
        return msg.run_link(self._ctx.ui_url, self._ctx.namespace, run.workflow_id)

    async def _reply(self, body: str) -> None:
        """One comment per command (keyed by the comment/review id); best effort."""
        i = self._input
        try:
            await workflow.execute_activity_method(
                RunGitHubActivities.comment,
                RunCommentInput("command", i.repo, i.number, f"{i.source}-{i.item_id}", body),
                **GITHUB_ACTIVITY,
            )
        except ActivityError as exc:
            workflow.logger.warning("reply to %s %s failed: %s", i.source, i.item_id, exc)


def _human(seconds: float) -> str:
    delta = timedelta(seconds=seconds)
    return f"{delta.days}d" if delta.days and not delta.seconds else str(delta)
