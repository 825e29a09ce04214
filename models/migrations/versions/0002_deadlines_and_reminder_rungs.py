"""Deadlines on each city's calendar, and the reminder rungs the sweep fires from them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 16:38:29.726391

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create deadlines and rungs."""
    op.create_table(
        "deadlines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("extended_days", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_fire_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "ladder", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(["city_id"], ["cities.id"], name=op.f("fk_deadlines_city_id_cities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadlines")),
    )
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.create_index("ix_deadlines_city_state", ["city_id", "state"], unique=False)
        batch_op.create_index(batch_op.f("ix_deadlines_next_fire_at"), ["next_fire_at"], unique=False)

    op.create_table(
        "rungs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deadline_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("business_days", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("fire_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["deadline_id"], ["deadlines.id"], name=op.f("fk_rungs_deadline_id_deadlines")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rungs")),
        sa.UniqueConstraint("deadline_id", "seq", name=op.f("uq_rungs_deadline_id")),
    )
    with op.batch_alter_table("rungs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rungs_deadline_id"), ["deadline_id"], unique=False)


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("rungs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rungs_deadline_id"))

    op.drop_table("rungs")
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadlines_next_fire_at"))
        batch_op.drop_index("ix_deadlines_city_state")

    op.drop_table("deadlines")
