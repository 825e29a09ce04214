"""Alembic environment: runs on the connection handed in, or on JALON_DATABASE_URL."""

from __future__ import annotations

from alembic import context

from models import Base
from models.db import make_engine
from models.settings import Settings

target_metadata = Base.metadata


def run() -> None:
    """Migrate on the given connection (from models.db.upgrade) or open one."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(Settings().database_url.get_secret_value())
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
