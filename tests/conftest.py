"""Real databases for every test: a SQLite file and a PostgreSQL server, each test rolled back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine, upgrade
from support import Network, load_examples

os.environ.setdefault("PREFECT_HOME", str(Path(__file__).resolve().parent.parent / "var" / "prefect"))

POSTGRES_URL = os.environ.get("JALON_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/jalon_test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TABLES = (
    "outbox, audit_events, checklist_ticks, tranches, grants, reports, plans, "
    "role_assignments, people, cities, programme_versions, programmes"
)


def _postgres_or_skip() -> str:
    """The test database URL, created if missing; skip (or fail under CI) without a server."""
    url = make_url(POSTGRES_URL)
    admin = make_engine(
        url.set(database="postgres").render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": url.database})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    except Exception as exc:
        reason = f"PostgreSQL not reachable at {url.render_as_string(hide_password=True)}: {type(exc).__name__}"
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: nothing may skip)")
        pytest.skip(reason)
    finally:
        admin.dispose()
    return POSTGRES_URL


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A SQLite file migrated to head by the same code `jalon init` runs."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'jalon.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """The PostgreSQL test database, emptied and migrated to head once per run."""
    engine = make_engine(_postgres_or_skip())
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_engine(request: pytest.FixtureRequest) -> Engine:
    """Each test that asks for a database runs once on each backend."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    return request.getfixturevalue(f"{request.param}_engine")  # type: ignore[no-any-return]


@pytest.fixture
def sessions(db_engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions inside one outer transaction: the engine's commits become savepoints, all rolled back."""
    conn = db_engine.connect()
    outer = conn.begin()
    yield sessionmaker(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    outer.rollback()
    conn.close()


@pytest.fixture
def network(sessions: sessionmaker[Session]) -> Network:
    """The sample programme loaded, on both backends."""
    return load_examples(sessions)


@pytest.fixture
def committed_postgres(postgres_engine: Engine) -> Iterator[Engine]:
    """PostgreSQL with real commits (for races); emptied before and after."""
    with postgres_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    yield postgres_engine
    with postgres_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
