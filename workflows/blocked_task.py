"""BlockedTaskWorkflow: an issue labelled `blocked` escalates until it is unblocked.

`task_blocked` at once (priority from PRIORITY_MAP, default high), then one re-notification per
BLOCKED_ESCALATION_DELAYS entry, each measured from the moment the task was blocked and one
priority step higher (capped at urgent); the last one is a summary of every task blocked in the
repository. `acknowledge` pauses re-notification for BLOCKED_ACK_TIMEOUT, after which the ladder
resumes where it was (later levels shift by the pause). Ends on `unblocked`, `closed` or
`resolve`. All waits are workflow timers: a worker restart does not reset the schedule.
Workflows started since `blocked-notify-inline` record and send each notice themselves, in the
background (workflows/notify_send.py), drained before the end; older ones start a
NotificationWorkflow child per level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

from workflows.activity_options import DB_ACTIVITY, SETTINGS_ACTIVITY
from workflows.notify_send import BackgroundSends

with workflow.unsafe.imports_passed_through():
    from activities.tasks import BlockedSchedule, BlockedTask, TaskActivities, TaskUpdate
    from contract.inputs import BlockedTaskInput as BlockedTaskInput
    from contract.inputs import TaskSignal as TaskSignal
    from contract.names import Query, Signal, Workflow
    from routing.notifications import PRIORITIES
    from routing.notify_route import notification_memo
    from workflows import search_attributes as sa
    from workflows.notification import NotificationInput, NotificationWorkflow

END_STATUS = {"unblocked": "open", "resolve": "open", "closed": "closed"}
# Workflows started before this start a NotificationWorkflow child per level.
PATCH_INLINE = "blocked-notify-inline"


@dataclass
class BlockedTaskResult:
    ended_by: str
    level: int
    notifications: int


def escalation_priority(base: str, level: int) -> str:
    index = PRIORITIES.index(base) if base in PRIORITIES else PRIORITIES.index("high")
    return PRIORITIES[min(index + level, len(PRIORITIES) - 1)]


def _ago(seconds: float) -> str:
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    if seconds >= 60:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} seconds"


@workflow.defn(name=Workflow.BLOCKED_TASK)
class BlockedTaskWorkflow:
    def __init__(self) -> None:
        self._ended_by: str | None = None
        self._acks = 0
        self._ack_until: datetime | None = None
        self._level = 0
        self._sent = 0
        self._blocked_since: datetime | None = None
        self._inline = False
        self._sends = BackgroundSends()  # notices being sent

    # --- signals (by name from routing; by method reference from the API and CLI) ----------

    @workflow.signal(name=Signal.BLOCKED)
    def blocked(self, signal: TaskSignal) -> None:
        """The label was (re-)added while the workflow runs: nothing changes."""

    @workflow.signal(name=Signal.UNBLOCKED)
    def unblocked(self, signal: TaskSignal) -> None:
        self._ended_by = self._ended_by or "unblocked"

    @workflow.signal(name=Signal.CLOSED)
    def closed(self, signal: TaskSignal) -> None:
        self._ended_by = self._ended_by or "closed"

    @workflow.signal(name=Signal.RESOLVE)
    def resolve(self, signal: TaskSignal) -> None:
        self._ended_by = self._ended_by or "resolve"

    @workflow.signal(name=Signal.ACKNOWLEDGE)
    def acknowledge(self, signal: TaskSignal) -> None:
        self._acks += 1

    @workflow.query(name=Query.STATE)
    def state(self) -> dict[str, Any]:
        return {
            "level": self._level,
            "notifications": self._sent,
            "acknowledged_until": self._ack_until.isoformat() if self._ack_until else None,
            "blocked_since": self._blocked_since.isoformat() if self._blocked_since else None,
            "ended_by": self._ended_by,
            "sending": self._sends.sending(),  # notices whose sends are under way
        }

    # --- the ladder ----------------------------------------------------------------------

    @workflow.run
    async def run(self, input: BlockedTaskInput) -> BlockedTaskResult:
        workflow.upsert_search_attributes(
            [
                sa.REPO.value_set(input.repo),
                sa.ISSUE_NUMBER.value_set(input.issue_number),
                sa.KIND.value_set("blocked-task"),
                sa.STATUS.value_set("blocked"),
            ]
        )
        self._inline = workflow.patched(PATCH_INLINE)
        # Settings only: a local activity, so the first notice leaves without a server round trip.
        schedule: BlockedSchedule = await workflow.execute_local_activity_method(
            TaskActivities.blocked_schedule, **SETTINGS_ACTIVITY
        )
        since = self._blocked_since = workflow.now()
        # People hear of the block first; the task row follows.
        await self._notify(input, schedule, 0, len(schedule.delays_seconds))
        await self._task(
            input,
            "blocked",
            title=input.title,
            blocked_since=since.isoformat(),
            escalation_level=0,
            acknowledged_at="",
        )
        ack_timeout = timedelta(seconds=schedule.ack_timeout_seconds)
        shift = timedelta(0)  # how far acknowledgements pushed the remaining levels
        acks_seen = 0
        for level, delay in enumerate(schedule.delays_seconds, start=1):
            due = since + timedelta(seconds=delay) + shift
            while self._ended_by is None:
                if self._acks != acks_seen:
                    acks_seen = self._acks
                    self._ack_until = workflow.now() + ack_timeout
                    workflow.upsert_search_attributes([sa.STATUS.value_set("acknowledged")])
                    await self._task(input, "blocked", acknowledged_at=workflow.now().isoformat())
                target = max(due, self._ack_until) if self._ack_until else due
                left = target - workflow.now()
                if left <= timedelta(0):
                    if target > due:
                        shift += target - due
                    break
                try:
                    await workflow.wait_condition(self._interrupted(acks_seen), timeout=left)
                except TimeoutError:
                    pass
            if self._ended_by is not None:
                break
            if self._ack_until is not None:
                self._ack_until = None
                workflow.upsert_search_attributes([sa.STATUS.value_set("blocked")])
            self._level = level
            await self._task(input, "blocked", escalation_level=level)
            await self._notify(input, schedule, level, len(schedule.delays_seconds))
        await workflow.wait_condition(lambda: self._ended_by is not None)
        ended_by = self._ended_by or "resolve"
        workflow.upsert_search_attributes([sa.STATUS.value_set(ended_by)])
        closed_at = workflow.now().isoformat() if ended_by == "closed" else None
        await self._task(input, END_STATUS[ended_by], blocked_since="", closed_at=closed_at)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._sends.drained()  # the end would drop a send under way
        return BlockedTaskResult(ended_by, self._level, self._sent)

    def _interrupted(self, acks_seen: int) -> Callable[[], bool]:
        """True once the task ended or a new acknowledgement arrived."""
        return lambda: self._ended_by is not None or self._acks != acks_seen

    async def _task(self, input: BlockedTaskInput, status: str, **fields: Any) -> None:
        await workflow.execute_activity_method(
            TaskActivities.update,
            TaskUpdate(input.repo, input.issue_number, status, **fields),
            **DB_ACTIVITY,
        )

    async def _notify(
        self, input: BlockedTaskInput, schedule: BlockedSchedule, level: int, last: int
    ) -> None:
        assert self._blocked_since is not None
        blocked_for = (workflow.now() - self._blocked_since).total_seconds()
        ref = f"{input.repo}#{input.issue_number}"
        title = f"Task blocked: {ref} {input.title}".rstrip()
        details: dict[str, Any] = {"level": level, "blocked_seconds": round(blocked_for)}
        if level == 0:
            summary = f"{input.repo}: {title}" + (
                f" (labeled by {input.sender})" if input.sender else ""
            )
        else:
            title = f"Still blocked ({_ago(blocked_for)}): {ref} {input.title}".rstrip()
            summary = f"{input.repo}: {title} — escalation {level} of {last}"
        if level == last and level > 0:
            tasks: list[BlockedTask] = await workflow.execute_activity_method(
                TaskActivities.blocked_in_repo, input.repo, **DB_ACTIVITY
            )
            summary, lines = self._summary(input, tasks)
            title = f"Blocked tasks in {input.repo}: {len(tasks)}"
            details["blocked_tasks"] = lines
        notification = {
            "type": "task_blocked",
            "priority": escalation_priority(schedule.priority, level),
            "rule": "issues.labeled.blocked",
            "repo": input.repo,
            "event": "issues",
            "action": "labeled" if level == 0 else "escalated",
            "title": title,
            "summary": summary,
            "url": input.url or None,
            "sender": input.sender or None,
            "issue_number": input.issue_number,
            "occurred_at": workflow.now().isoformat(),
            "group_key": f"{input.repo}|issue|{input.issue_number}",
            "payload_summary": details,
        }
        info = workflow.info()
        # One key per workflow run and level (the child's id on the old path): a retried
        # workflow task or sink finds the notice recorded and does not send it twice.
        key = f"{info.workflow_id}-{info.run_id[:8]}-level-{level}"
        notice = NotificationInput.of(notification, delivery_id=input.delivery_id)
        if self._inline:
            await self._sends.notify(key, notice)
        else:
            await workflow.start_child_workflow(
                NotificationWorkflow.run,
                notice,
                id=key,
                parent_close_policy=ParentClosePolicy.ABANDON,
                memo=notification_memo(notification),
            )
        self._sent += 1

    def _summary(
        self, input: BlockedTaskInput, tasks: list[BlockedTask]
    ) -> tuple[str, list[dict[str, Any]]]:
        web = "https://github.com"
        marker = f"/{input.repo}/issues/"
        if marker in input.url:
            web = input.url.split(marker, 1)[0]
        now = workflow.now()
        lines: list[dict[str, Any]] = []
        text = [f"{len(tasks)} task(s) blocked in {input.repo}:"]
        for t in tasks:
            since = datetime.fromisoformat(t.blocked_since) if t.blocked_since else now
            seconds = max(0.0, (now - since).total_seconds())
            url = f"{web}/{t.repo}/issues/{t.issue_number}"
            lines.append(
                {
                    "issue": t.issue_number,
                    "title": t.title,
                    "url": url,
                    "blocked_seconds": round(seconds),
                    "level": t.escalation_level,
                }
            )
            text.append(f"- #{t.issue_number} {t.title} — blocked {_ago(seconds)} ({url})")
        return "\n".join(text), lines
