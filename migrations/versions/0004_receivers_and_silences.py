"""Notifications per receiver (receiver, status, silence, time interval) and silences."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        # Rows from before receivers were the environment's one receiver.
        batch.add_column(
            sa.Column("receiver", sa.String(100), nullable=False, server_default="default")
        )
        batch.add_column(sa.Column("status", sa.String(20), nullable=True))
        batch.add_column(sa.Column("silence_id", sa.String(40), nullable=True))
        batch.add_column(sa.Column("time_interval", sa.String(200), nullable=True))
        batch.drop_constraint("uq_notifications_dedupe_key", type_="unique")
        batch.create_unique_constraint(
            "uq_notifications_dedupe_receiver", ["dedupe_key", "receiver"]
        )
        batch.create_index("idx_notifications_receiver_status", ["receiver", "status"])
    op.create_table(
        "silences",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("matchers", _JSON, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("ends_when_resolved", sa.Boolean(), nullable=False),
        sa.Column("ended_reason", sa.Text(), nullable=True),
        sa.Column("groups", _JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("idx_silences_ends_at", "silences", ["ends_at"])


def downgrade() -> None:
    op.drop_index("idx_silences_ends_at", table_name="silences")
    op.drop_table("silences")
    # Keep one row per notification: the other receivers' rows go.
    op.execute("DELETE FROM notifications WHERE receiver <> 'default'")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("idx_notifications_receiver_status")
        batch.drop_constraint("uq_notifications_dedupe_receiver", type_="unique")
        batch.create_unique_constraint("uq_notifications_dedupe_key", ["dedupe_key"])
        for column in ("time_interval", "silence_id", "status", "receiver"):
            batch.drop_column(column)
