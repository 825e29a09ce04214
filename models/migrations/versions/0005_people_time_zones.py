"""People may read in a time zone of their own (a coach in Lagos for a programme run from Paris).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 16:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add people.timezone (empty: the city's zone, then the programme's)."""
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Drop people.timezone."""
    with op.batch_alter_table("people") as batch:
        batch.drop_column("timezone")
