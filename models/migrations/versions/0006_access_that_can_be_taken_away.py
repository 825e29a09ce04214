"""Access that can be taken away: a key in every session and link, people marked gone, an access trail, floods.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 16:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "access events are append-only"


def upgrade() -> None:
    """people.gone_at, access_key, signin_serial; access_events (append-only); signin_requests."""
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("gone_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("access_key", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("signin_serial", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "access_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=32), nullable=False),
        sa.Column(
            "data", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_access_events_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_events")),
        sa.UniqueConstraint("hash", name=op.f("uq_access_events_hash")),
    )
    op.create_table(
        "signin_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signin_requests")),
    )
    op.create_index("ix_signin_requests_address", "signin_requests", ["address", "at"])
    op.create_index("ix_signin_requests_client", "signin_requests", ["client", "at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION jalon_access_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER access_events_append_only BEFORE UPDATE OR DELETE ON access_events "
            "FOR EACH ROW EXECUTE FUNCTION jalon_access_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER access_events_no_{verb.lower()} BEFORE {verb} ON access_events "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    """Undo upgrade."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS access_events_append_only ON access_events")
        op.execute("DROP FUNCTION IF EXISTS jalon_access_append_only()")
    op.drop_index("ix_signin_requests_client", "signin_requests")
    op.drop_index("ix_signin_requests_address", "signin_requests")
    op.drop_table("signin_requests")
    op.drop_table("access_events")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("signin_serial")
        batch.drop_column("access_key")
        batch.drop_column("gone_at")
