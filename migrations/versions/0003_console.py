"""The operator console: its sessions, and webhook_events indexes its delivery list pages by.

Three indexes that are not seed 000's are rebuilt wider (no index is added to the insert path):
status and repository each followed by the time, the delivery id with pattern operators.
On PostgreSQL they are built CONCURRENTLY, so a large table keeps taking deliveries meanwhile.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"

# name: (columns after, columns before, PostgreSQL operator classes)
INDEXES: dict[str, tuple[list[str], list[str], dict[str, str]]] = {
    "idx_webhook_events_dispatch_status": (
        ["dispatch_status", "processed_at"],
        ["dispatch_status"],
        {},
    ),
    "ix_webhook_events_repo": (["repo", "processed_at"], ["repo"], {}),
    "idx_webhook_events_delivery_id": (
        ["delivery_id"],
        ["delivery_id"],
        {"delivery_id": "varchar_pattern_ops"},
    ),
}


def _rebuild(after: bool) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, (columns, before, ops) in INDEXES.items():
        wanted = columns if after else before
        if not postgres:
            op.drop_index(name, table_name="webhook_events")
            op.create_index(name, "webhook_events", wanted)
            continue
        # Build the new one beside the old, then swap names: lookups always have an index.
        with op.get_context().autocommit_block():
            op.create_index(
                f"{name}_new",
                "webhook_events",
                wanted,
                postgresql_concurrently=True,
                postgresql_ops=ops if after else {},
            )
            op.drop_index(name, table_name="webhook_events", postgresql_concurrently=True)
        op.execute(sa.text(f"ALTER INDEX {name}_new RENAME TO {name}"))


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("idx_console_sessions_expires_at", "console_sessions", ["expires_at"])
    _rebuild(after=True)


def downgrade() -> None:
    _rebuild(after=False)
    op.drop_index("idx_console_sessions_expires_at", table_name="console_sessions")
    op.drop_table("console_sessions")
