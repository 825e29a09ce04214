"""The databases benchmarks run on: a fresh SQLite file, or PostgreSQL's own `jalon_bench` database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, Table, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from models import AuditEvent, Base, City, Deadline, OutboxMessage, Person, ProgrammeVersion, RoleAssignment, Rung
from models.db import make_engine, upgrade

BENCH_DATABASE = "jalon_bench"


def table(model: type[Base]) -> Table:
    """The Core table behind a model (benchmarks write in bulk, below the ORM)."""
    t = model.__table__
    if not isinstance(t, Table):
        raise TypeError(f"{model.__name__} is not mapped to a plain table")
    return t


CITIES = table(City)
PEOPLE = table(Person)
ROLES = table(RoleAssignment)
EVENTS = table(AuditEvent)
OUTBOX = table(OutboxMessage)
VERSIONS = table(ProgrammeVersion)
DEADLINES = table(Deadline)
RUNGS = table(Rung)


class Unreachable(Exception):
    """The database server cannot be reached; say so plainly, no traceback."""


def sqlite_engine(path: Path) -> Engine:
    """A fresh SQLite file, migrated to head."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def postgres_engine(server: str) -> Engine:
    """The jalon_bench database on the server (never another), created if missing, its schema new and migrated."""
    url = make_url(server).set(database=BENCH_DATABASE)
    shown = url.render_as_string(hide_password=True)
    admin = make_engine(
        url.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 5},
    )
    try:
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": BENCH_DATABASE}):
                conn.execute(text(f'CREATE DATABASE "{BENCH_DATABASE}"'))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise Unreachable(f"PostgreSQL is not reachable at {shown}: {reason}") from None
    finally:
        admin.dispose()
    engine = make_engine(url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    return engine
