"""Single-use links: the ids of sign-in and approval links that have served.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 19:25:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create used_tokens."""
    op.create_table(
        "used_tokens",
        sa.Column("jti", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_used_tokens_person_id_people")),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_used_tokens")),
    )


def downgrade() -> None:
    """Drop used_tokens."""
    op.drop_table("used_tokens")
