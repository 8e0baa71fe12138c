"""Task bookkeeping: mirror an issue's task status into the `tasks` table, list blocked tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import col, select
from temporalio import activity

from activities.database import DatabaseActivities
from contract.inputs import IssueRef
from db.models import Task
from db.partial import set_given
from db.types import utcnow
from routing.notifications import PRIORITY_MAP, normalize_priority


@dataclass
class TaskUpdate(IssueRef):
    """Set a task's status (creating the row if needed); None fields are left unchanged."""

    status: str  # open | blocked | closed | done
    title: str | None = None
    linked_pr: str | None = None
    blocked_since: str | None = None  # ISO time; "" clears it
    escalation_level: int | None = None
    acknowledged_at: str | None = None  # ISO time; "" clears it
    closed_at: str | None = None  # ISO time


@dataclass
class BlockedTask(IssueRef):
    title: str
    blocked_since: str | None
    escalation_level: int
    acknowledged_at: str | None


def _time(value: str) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass
class BlockedSchedule:
    """BLOCKED_ESCALATION_DELAYS / BLOCKED_ACK_TIMEOUT, read once into a workflow's history."""

    delays_seconds: list[float]
    ack_timeout_seconds: float
    priority: str  # of the first notification (PRIORITY_MAP issues.labeled.blocked)


class TaskActivities(DatabaseActivities):
    @activity.defn(name="task.blocked_schedule")
    async def blocked_schedule(self) -> BlockedSchedule:
        """The escalation ladder's delays (from the moment the task was blocked)."""
        s = self._settings
        rule = "issues.labeled.blocked"
        priority = normalize_priority(s.priority_overrides.get(rule, PRIORITY_MAP[rule]))
        return BlockedSchedule(
            [d.total_seconds() for d in s.blocked_escalation_delays],
            s.blocked_ack_timeout.total_seconds(),
            priority,
        )

    @activity.defn(name="task.update")
    async def update(self, update: TaskUpdate) -> None:
        """Upsert the task row of (repo, issue) with the given status and fields."""
        async with self._sessions() as session:
            query = select(Task).where(
                Task.repo == update.repo, Task.issue_number == update.issue_number
            )
            task = (await session.exec(query)).first() or Task(
                repo=update.repo, issue_number=update.issue_number, status=update.status
            )
            task.status = update.status
            set_given(task, update, "title", "linked_pr", "escalation_level")
            set_given(task, update, "blocked_since", "acknowledged_at", "closed_at", convert=_time)
            task.updated_at = utcnow()
            session.add(task)
            await session.commit()

    @activity.defn(name="task.blocked_in_repo")
    async def blocked_in_repo(self, repo: str) -> list[BlockedTask]:
        """Every task currently blocked in `repo`, longest blocked first."""
        async with self._sessions() as session:
            query = (
                select(Task)
                .where(Task.repo == repo, Task.status == "blocked")
                .order_by(col(Task.blocked_since), col(Task.issue_number))
            )
            rows = (await session.exec(query)).all()
        return [
            BlockedTask(
                t.repo,
                t.issue_number,
                t.title,
                _iso(t.blocked_since),
                t.escalation_level,
                _iso(t.acknowledged_at),
            )
            for t in rows
        ]
