"""The migrations build exactly the tables the models describe, and undo cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.command import downgrade
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from models import Base
from models.db import MIGRATIONS, make_engine, upgrade


def test_head_matches_the_models_and_downgrade_empties_the_database(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        downgrade(cfg, "base")
    assert inspect(engine).get_table_names() == ["alembic_version"]
    upgrade(engine)
    assert "audit_events" in inspect(engine).get_table_names()


def test_reminders_queued_before_delivery_existed_are_set_aside_not_sent(tmp_path: Path) -> None:
    """Upgrading to 0003 must not mail months-old reminders: pending email rows become 'expired', with why."""
    from alembic.command import upgrade as to

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        to(cfg, "0002")
        conn.execute(
            text(
                "INSERT INTO outbox (key, kind, channel, payload, created_at, state, attempts, next_attempt_at) "
                "VALUES ('rung:1:1', 'deadline.reminder', 'email', '{}', '2026-01-05 09:00:00', 'pending', 0, "
                "'2026-01-05 09:00:00'), ('event:BKO:1', 'jalon.city.confirm', 'event', '{}', "
                "'2026-01-05 09:00:00', 'pending', 0, '2026-01-05 09:00:00')"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        rows: dict[str, str] = dict(conn.execute(text("SELECT key, state FROM outbox ORDER BY key")).all())
        why = conn.scalar(text("SELECT last_error FROM outbox WHERE key = 'rung:1:1'"))
    assert rows == {"event:BKO:1": "pending", "rung:1:1": "expired"}
    assert "before Jalon delivered mail" in str(why)
