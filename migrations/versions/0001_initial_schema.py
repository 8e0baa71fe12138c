"""Initial schema: seed 000's webhook_events and indexes, runs, artifacts, notifications, tasks."""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None


_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
# The one active run per issue (runs.uq_runs_active_issue).
_ACTIVE = sa.text("status IN ('RECEIVED','RUNNING','WAITING_APPROVAL','WAITING_CI')")


# The plain (non-unique) indexes of each table: created after the tables, dropped before them.
_INDEXES: dict[str, dict[str, list[str]]] = {
    "notifications": {
        "idx_notifications_created_at": ["created_at"],
        "idx_notifications_delivery_id": ["delivery_id"],
        "idx_notifications_type_priority": ["type", "priority"],
        "ix_notifications_repo": ["repo"],
    },
    "runs": {"idx_runs_created_at": ["created_at"], "idx_runs_repo_status": ["repo", "status"]},
    "webhook_events": {
        "idx_webhook_events_delivery_id": ["delivery_id"],
        "idx_webhook_events_dispatch_status": ["dispatch_status"],
        "idx_webhook_events_event_type": ["event_type"],
        "idx_webhook_events_processed_at": ["processed_at"],
        "idx_webhook_events_signature_valid": ["signature_valid"],
        "ix_webhook_events_repo": ["repo"],
    },
    "run_artifacts": {"idx_run_artifacts_run_id": ["run_id"]},
}


def _uuid_default() -> sa.TextClause | None:
    # gen_random_uuid() is built into PostgreSQL 13+; SQLite gets ids from the application.
    return sa.text("gen_random_uuid()") if op.get_bind().dialect.name == "postgresql" else None


def _issue_columns() -> list[sa.Column[Any]]:
    """What runs and tasks both start with: an id and the issue they work on."""
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("repo", sa.String(length=200), nullable=False),
        sa.Column("issue_number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=False),
        sa.Column("priority", sa.String(length=20), nullable=False),
        sa.Column("repo", sa.String(length=200), nullable=True),
        sa.Column("event", sa.String(length=100), nullable=False),
        sa.Column("delivery_id", sa.String(length=100), nullable=True),
        sa.Column("dedupe_key", sa.String(length=300), nullable=True),
        sa.Column("group_key", sa.String(length=300), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("details", _JSON, nullable=False),
        sa.Column("sink_status", _JSON, nullable=False),
        sa.Column("workflow_id", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key", name="uq_notifications_dedupe_key"),
    )
    op.create_table(
        "runs",
        *_issue_columns(),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("phase", sa.String(length=50), nullable=True),
        sa.Column("iteration", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column("delivery_id", sa.String(length=100), nullable=True),
        sa.Column("clone_url", sa.Text(), nullable=True),
        sa.Column("branch", sa.String(length=200), nullable=True),
        sa.Column("pr_number", sa.Integer(), nullable=True),
        sa.Column("pr_url", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_runs_active_issue",
        "runs",
        ["repo", "issue_number"],
        unique=True,
        postgresql_where=_ACTIVE,
        sqlite_where=_ACTIVE,
    )
    op.create_table(
        "tasks",
        *_issue_columns(),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("linked_pr", sa.Text(), nullable=True),
        sa.Column("blocked_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("repo", "issue_number", name="uq_tasks_repo_issue"),
    )
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.Uuid(), nullable=False, server_default=_uuid_default()),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("payload", _JSON, nullable=False),
        sa.Column("signature_valid", sa.Boolean(), nullable=False),
        sa.Column(
            "processed_at",
            sa.DateTime(),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column("delivery_id", sa.String(length=100), nullable=True),
        sa.Column("hook_id", sa.String(length=100), nullable=True),
        sa.Column("dedupe_key", sa.String(length=220), nullable=True),
        sa.Column("action", sa.String(length=100), nullable=True),
        sa.Column("repo", sa.String(length=200), nullable=True),
        sa.Column("body_size", sa.Integer(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("dispatch_status", sa.String(length=20), nullable=False),
        sa.Column("dispatch_plan", _JSON, nullable=False),
        sa.Column("dispatch_progress", sa.Integer(), nullable=False),
        sa.Column("dispatch_attempts", sa.Integer(), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("workflow_ids", _JSON, nullable=False),
        sa.Column("response", _JSON, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key", name="uq_webhook_events_dedupe_key"),
    )
    op.create_table(
        "run_artifacts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("truncated", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "name", name="uq_run_artifacts_run_name"),
    )
    for table, indexes in _INDEXES.items():
        for name, columns in indexes.items():
            op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, indexes in reversed(_INDEXES.items()):
        for name in reversed(indexes):
            op.drop_index(name, table_name=table)
    op.drop_index(
        "uq_runs_active_issue",
        table_name="runs",
        postgresql_where=_ACTIVE,
        sqlite_where=_ACTIVE,
    )
    for table in ("run_artifacts", "webhook_events", "tasks", "runs", "notifications"):
        op.drop_table(table)
