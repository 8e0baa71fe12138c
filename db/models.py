"""Tables: the webhook audit trail, runs and their artifacts, notifications, tasks, console
sessions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from contract.statuses import ACTIVE_RUN_STATUSES
from db.types import JsonColumnType, Timestamp, utcnow

_ACTIVE_WHERE = "status IN (" + ",".join(f"'{s}'" for s in ACTIVE_RUN_STATUSES) + ")"


class WebhookEvent(SQLModel, table=True):
    """One GitHub delivery, recorded before the reply (valid or not)."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        Index("idx_webhook_events_event_type", "event_type"),
        Index("idx_webhook_events_processed_at", "processed_at"),
        Index("idx_webhook_events_signature_valid", "signature_valid"),
        # Status and repository lead, the time follows: a filtered page of the console reads the
        # newest matching rows in index order instead of sorting every match.
        Index("idx_webhook_events_dispatch_status", "dispatch_status", "processed_at"),
        Index("ix_webhook_events_repo", "repo", "processed_at"),
        # Pattern operators: a search on the beginning of a delivery id (LIKE 'abc%') uses it
        # whatever the database's collation; `=` too.
        Index(
            "idx_webhook_events_delivery_id",
            "delivery_id",
            postgresql_ops={"delivery_id": "varchar_pattern_ops"},
        ),
        # Only authenticated deliveries take part in dedupe: an unsigned request must not be
        # able to claim a delivery id and shadow GitHub's real delivery.
        UniqueConstraint("dedupe_key", name="uq_webhook_events_dedupe_key"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    event_type: str = Field(sa_column=Column(String(100), nullable=False))
    payload: dict[str, Any] = Field(sa_column=Column(JsonColumnType, nullable=False))
    # The body as sent, kept when `payload` is not exactly it (not JSON, not an object, or
    # holding what JSONB refuses: NUL, lone surrogates, NaN/Infinity, deep nesting).
    payload_raw: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    signature_valid: bool = Field(nullable=False)
    # TIMESTAMP without a zone, as the original schema declares it; stored as UTC.
    processed_at: datetime = Field(
        sa_column=Column(DateTime(), nullable=False, server_default=text("CURRENT_TIMESTAMP"))
    )
    delivery_id: str | None = Field(default=None, sa_column=Column(String(100)))
    hook_id: str | None = Field(default=None, sa_column=Column(String(100)))
    dedupe_key: str | None = Field(default=None, sa_column=Column(String(220)))
    action: str | None = Field(default=None, sa_column=Column(String(100)))
    repo: str | None = Field(default=None, sa_column=Column(String(200)))
    body_size: int = 0
    http_status: int = 200
    # received | ignored | rejected | pending | dispatched | failed
    dispatch_status: str = Field(sa_column=Column(String(20), nullable=False))
    dispatch_plan: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JsonColumnType, nullable=False)
    )
    dispatch_progress: int = 0
    dispatch_attempts: int = 0
    # Transient dispatch errors back off exponentially: not retried before this time.
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(Timestamp))
    dispatched_at: datetime | None = Field(default=None, sa_column=Column(Timestamp))
    workflow_ids: list[str] = Field(
        default_factory=list, sa_column=Column(JsonColumnType, nullable=False)
    )
    response: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JsonColumnType, nullable=False)
    )
    error: str | None = Field(default=None, sa_column=Column(Text))


class Run(SQLModel, table=True):
    """An AI run started by an `ai:run` label (or by hand)."""

    __tablename__ = "runs"
    __table_args__ = (
        Index("idx_runs_repo_status", "repo", "status"),
        Index("idx_runs_created_at", "created_at"),
        # One active run per issue; runs/admission.py attaches newcomers to it.
        Index(
            "uq_runs_active_issue",
            "repo",
            "issue_number",
            unique=True,
            postgresql_where=text(_ACTIVE_WHERE),
            sqlite_where=text(_ACTIVE_WHERE),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    repo: str = Field(sa_column=Column(String(200), nullable=False))
    issue_number: int
    title: str = Field(default="", sa_column=Column(Text, nullable=False))
    body: str | None = Field(default=None, sa_column=Column(Text))
    mode: str = Field(default="code", sa_column=Column(String(20), nullable=False))
    status: str = Field(default="RECEIVED", sa_column=Column(String(30), nullable=False))
    phase: str | None = Field(default=None, sa_column=Column(String(50)))
    iteration: int = 0
    workflow_id: str = Field(sa_column=Column(String(200), nullable=False))
    delivery_id: str | None = Field(default=None, sa_column=Column(String(100)))
    clone_url: str | None = Field(default=None, sa_column=Column(Text))
    branch: str | None = Field(default=None, sa_column=Column(String(200)))
    pr_number: int | None = None
    pr_url: str | None = Field(default=None, sa_column=Column(Text))
    error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp, nullable=False)
    started_at: datetime | None = Field(default=None, sa_column=Column(Timestamp))
    finished_at: datetime | None = Field(default=None, sa_column=Column(Timestamp))
    merged_at: datetime | None = Field(default=None, sa_column=Column(Timestamp))


class RunArtifact(SQLModel, table=True):
    """Something a run produced: a phase output, a patch, a log tail, a summary."""

    __tablename__ = "run_artifacts"
    __table_args__ = (
        Index("idx_run_artifacts_run_id", "run_id"),
        UniqueConstraint("run_id", "name", name="uq_run_artifacts_run_name"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    run_id: uuid.UUID = Field(foreign_key="runs.id", nullable=False)
    name: str = Field(sa_column=Column(String(200), nullable=False))
    kind: str = Field(sa_column=Column(String(30), nullable=False))  # json | text | patch
    content: str = Field(sa_column=Column(Text, nullable=False))
    size: int = 0
    truncated: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp, nullable=False)


class Notification(SQLModel, table=True):
    """A typed, prioritised notification at one receiver: what became of it there (status)
    and how each of the receiver's sinks took it."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("idx_notifications_created_at", "created_at"),
        Index("idx_notifications_type_priority", "type", "priority"),
        Index("idx_notifications_delivery_id", "delivery_id"),
        Index("idx_notifications_receiver_status", "receiver", "status"),
        UniqueConstraint("dedupe_key", "receiver", name="uq_notifications_dedupe_receiver"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    type: str = Field(sa_column=Column(String(50), nullable=False))
    priority: str = Field(sa_column=Column(String(20), nullable=False))
    repo: str | None = Field(default=None, sa_column=Column(String(200), index=True))
    event: str = Field(sa_column=Column(String(100), nullable=False))
    delivery_id: str | None = Field(default=None, sa_column=Column(String(100)))
    dedupe_key: str | None = Field(default=None, sa_column=Column(String(300)))
    group_key: str | None = Field(default=None, sa_column=Column(String(300)))
    count: int = 1
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    details: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JsonColumnType, nullable=False)
    )
    sink_status: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JsonColumnType, nullable=False)
    )
    workflow_id: str | None = Field(default=None, sa_column=Column(String(300)))
    receiver: str = Field(
        default="default",
        sa_column=Column(String(100), nullable=False, server_default="default"),
    )
    # contract.statuses.NotificationStatus; NULL on rows from before receivers (read from sinks)
    status: str | None = Field(default=None, sa_column=Column(String(20)))
    silence_id: str | None = Field(default=None, sa_column=Column(String(40)))
    time_interval: str | None = Field(default=None, sa_column=Column(String(200)))
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp, nullable=False)


class Silence(SQLModel, table=True):
    """Mute notifications whose labels match, from starts_at until ends_at (API, CLI, console)."""

    __tablename__ = "silences"
    __table_args__ = (Index("idx_silences_ends_at", "ends_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    matchers: list[str] = Field(sa_column=Column(JsonColumnType, nullable=False))
    starts_at: datetime = Field(sa_type=Timestamp, nullable=False)
    ends_at: datetime = Field(sa_type=Timestamp, nullable=False)
    created_by: str = Field(sa_column=Column(String(200), nullable=False))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    ends_when_resolved: bool = False
    # Why it ended before ends_at: "expired by <who>" | "resolved: <group>"
    ended_reason: str | None = Field(default=None, sa_column=Column(Text))
    # CI groups it kept quiet while red: workflow id -> "red" | "resolved" (to tell them when it
    # is expired early, and to end an endsWhenResolved silence once all of them are green).
    groups: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JsonColumnType, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp, nullable=False)


class Task(SQLModel, table=True):
    """An issue tracked as a task: open, blocked, closed by a PR."""

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("repo", "issue_number", name="uq_tasks_repo_issue"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    repo: str = Field(sa_column=Column(String(200), nullable=False))
    issue_number: int
    title: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(sa_column=Column(String(30), nullable=False))  # open|blocked|closed|done
    linked_pr: str | None = Field(default=None, sa_column=Column(Text))
    blocked_since: datetime | None = Field(default=None, sa_column=Column(Timestamp))
    escalation_level: int = 0
    acknowledged_at: datetime | None = Field(default=None, sa_column=Column(Timestamp))
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp, nullable=False)
    closed_at: datetime | None = Field(default=None, sa_column=Column(Timestamp))


class ConsoleSession(SQLModel, table=True):
    """A signed-in console browser: only a hash of its cookie is stored; signing out deletes it."""

    __tablename__ = "console_sessions"
    __table_args__ = (Index("idx_console_sessions_expires_at", "expires_at"),)

    id: str = Field(sa_column=Column(String(64), primary_key=True))  # sha256 of the cookie
    created_at: datetime = Field(default_factory=utcnow, sa_type=Timestamp, nullable=False)
    expires_at: datetime = Field(sa_type=Timestamp, nullable=False)
