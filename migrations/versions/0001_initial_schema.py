"""Initial schema: seed 000 webhook_events and its indexes, runs, artifacts, notifications, tasks.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 20:42:08.435174
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _uuid_default() -> sa.TextClause | None:
    # gen_random_uuid() is built into PostgreSQL 13+; SQLite gets ids from the application.
    return sa.text("gen_random_uuid()") if op.get_bind().dialect.name == "postgresql" else None


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
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "sink_status",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("workflow_id", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key", name="uq_notifications_dedupe_key"),
    )
    op.create_index("idx_notifications_created_at", "notifications", ["created_at"], unique=False)
    op.create_index("idx_notifications_delivery_id", "notifications", ["delivery_id"], unique=False)
    op.create_index(
        "idx_notifications_type_priority", "notifications", ["type", "priority"], unique=False
    )
    op.create_index(op.f("ix_notifications_repo"), "notifications", ["repo"], unique=False)
    op.create_table(
        "runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("repo", sa.String(length=200), nullable=False),
        sa.Column("issue_number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
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
    op.create_index("idx_runs_created_at", "runs", ["created_at"], unique=False)
    op.create_index("idx_runs_repo_status", "runs", ["repo", "status"], unique=False)
    op.create_index(
        "uq_runs_active_issue",
        "runs",
        ["repo", "issue_number"],
        unique=True,
        postgresql_where=sa.text(
            "status IN ('RECEIVED','RUNNING','WAITING_APPROVAL','WAITING_CI')"
        ),
        sqlite_where=sa.text("status IN ('RECEIVED','RUNNING','WAITING_APPROVAL','WAITING_CI')"),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("repo", sa.String(length=200), nullable=False),
        sa.Column("issue_number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
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
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
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
        sa.Column(
            "dispatch_plan",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("dispatch_progress", sa.Integer(), nullable=False),
        sa.Column("dispatch_attempts", sa.Integer(), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "workflow_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "response",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key", name="uq_webhook_events_dedupe_key"),
    )
    op.create_index(
        "idx_webhook_events_delivery_id", "webhook_events", ["delivery_id"], unique=False
    )
    op.create_index(
        "idx_webhook_events_dispatch_status", "webhook_events", ["dispatch_status"], unique=False
    )
    op.create_index("idx_webhook_events_event_type", "webhook_events", ["event_type"], unique=False)
    op.create_index(
        "idx_webhook_events_processed_at", "webhook_events", ["processed_at"], unique=False
    )
    op.create_index(
        "idx_webhook_events_signature_valid", "webhook_events", ["signature_valid"], unique=False
    )
    op.create_index(op.f("ix_webhook_events_repo"), "webhook_events", ["repo"], unique=False)
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
    op.create_index("idx_run_artifacts_run_id", "run_artifacts", ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_index("idx_run_artifacts_run_id", table_name="run_artifacts")
    op.drop_table("run_artifacts")
    op.drop_index(op.f("ix_webhook_events_repo"), table_name="webhook_events")
    op.drop_index("idx_webhook_events_signature_valid", table_name="webhook_events")
    op.drop_index("idx_webhook_events_processed_at", table_name="webhook_events")
    op.drop_index("idx_webhook_events_event_type", table_name="webhook_events")
    op.drop_index("idx_webhook_events_dispatch_status", table_name="webhook_events")
    op.drop_index("idx_webhook_events_delivery_id", table_name="webhook_events")
    op.drop_table("webhook_events")
    op.drop_table("tasks")
    op.drop_index(
        "uq_runs_active_issue",
        table_name="runs",
        postgresql_where=sa.text(
            "status IN ('RECEIVED','RUNNING','WAITING_APPROVAL','WAITING_CI')"
        ),
        sqlite_where=sa.text("status IN ('RECEIVED','RUNNING','WAITING_APPROVAL','WAITING_CI')"),
    )
    op.drop_index("idx_runs_repo_status", table_name="runs")
    op.drop_index("idx_runs_created_at", table_name="runs")
    op.drop_table("runs")
    op.drop_index(op.f("ix_notifications_repo"), table_name="notifications")
    op.drop_index("idx_notifications_type_priority", table_name="notifications")
    op.drop_index("idx_notifications_delivery_id", table_name="notifications")
    op.drop_index("idx_notifications_created_at", table_name="notifications")
    op.drop_table("notifications")
