"""What delivery records on each outbox row: its Message-ID, the server's answer, and a claim's expiry.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 18:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the delivery columns."""
    op.add_column("outbox", sa.Column("message_id", sa.String(length=255), nullable=True))
    op.add_column("outbox", sa.Column("answer", sa.Text(), nullable=True))
    op.add_column("outbox", sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("claimed_by", sa.String(length=32), nullable=True))
    op.add_column("outbox", sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
    # Reminders queued before Jalon delivered mail are stale (and written for templates that did not exist):
    # they are set aside with the reason, not sent months late.
    op.execute(
        "UPDATE outbox SET state = 'expired', last_error = 'queued before Jalon delivered mail (migration 0003)' "
        "WHERE channel = 'email' AND state = 'pending'"
    )


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("failed_at")
        batch.drop_column("claimed_by")
        batch.drop_column("claimed_until")
        batch.drop_column("answer")
        batch.drop_column("message_id")
