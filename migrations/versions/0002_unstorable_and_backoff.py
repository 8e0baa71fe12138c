"""Keep raw bodies JSONB cannot store, and back off dispatch retries."""

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"


def upgrade() -> None:
    op.add_column("webhook_events", sa.Column("payload_raw", sa.LargeBinary(), nullable=True))
    op.add_column(
        "webhook_events", sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("webhook_events", "next_attempt_at")
    op.drop_column("webhook_events", "payload_raw")
