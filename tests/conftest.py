"""Real databases for every test: a SQLite file and a PostgreSQL server, each test rolled back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from mail_server import Mailbox
from models.db import make_engine, make_sessions, upgrade
from support import Network, load_examples, rolled_back

os.environ.setdefault("PREFECT_HOME", str(Path(__file__).resolve().parent.parent / "var" / "prefect"))

POSTGRES_URL = os.environ.get("JALON_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/jalon_test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TABLES = (
    "used_tokens, rungs, deadlines, outbox, audit_events, checklist_ticks, tranches, grants, reports, plans, "
    "role_assignments, people, cities, programme_versions, programmes"
)

# Property tests: few examples in the inner loop, more under CI (HYPOTHESIS_PROFILE picks another by name).
settings.register_profile("dev", max_examples=10)
settings.register_profile("ci", max_examples=25)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))

# Tests that run long (Prefect, the demo, real servers, the browser, processes racing), by node id prefix: `make
# check` leaves them out (-m "not slow"). A group keeps on one worker, under `--dist loadgroup`, the tests that share
# something one worker owns: a module-scoped Prefect server, or the browser and the screenshots folder it refills.
SLOW: dict[str, str | None] = {
    "tests/cli/test_demo.py": None,
    "tests/flows/test_flows.py": None,
    "tests/flows/test_deployment.py": "deployment",
    "tests/web/test_browser.py": "browser",
    "tests/cli/test_deliver_processes.py": None,
    "tests/engine/deadlines/test_sweep_exactly_once.py::test_four_processes": None,
    "tests/engine/deadlines/test_sweep_exactly_once.py::test_a_sweep_killed_half_way": None,
}


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup` done here: xdist 3.8 groups by renaming node ids, which pytest 9 ignores (its loadgroup
    spreads a group over the workers), so a scheduler keeps each group of SLOW on one worker, every other test alone."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

    class Groups(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return next((g for prefix, g in SLOW.items() if g and nodeid.startswith(prefix)), nodeid)

    return Groups(config, log)


def pytest_itemcollected(item: pytest.Item) -> None:
    """The slow mark, and the xdist group if any, of each test SLOW names (as each is collected: before -m selects
    and before xdist's workers read the groups)."""
    for prefix, group in SLOW.items():
        if item.nodeid.startswith(prefix):
            item.add_marker(pytest.mark.slow)
            if group:
                item.add_marker(pytest.mark.xdist_group(group))


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


def _sqlite(path: Path, *, loaded: bool) -> Engine:
    """A SQLite file migrated to head by the same code `jalon init` runs, with the examples if asked."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    if loaded:
        load_examples(make_sessions(engine))
    return engine


def _postgres(url: str, schema: str, *, loaded: bool) -> Engine:
    """A schema of this run's own (runs side by side never meet), migrated to head."""
    with make_engine(url).begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(engine)
    if loaded:
        load_examples(make_sessions(engine))
    return engine


def _drop_schema(url: str, schema: str) -> None:
    """Leave the shared test database as it was."""
    with make_engine(url).begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An empty SQLite database."""
    engine = _sqlite(tmp_path_factory.mktemp("db") / "empty.db", loaded=False)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_loaded_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A SQLite database holding the sample programme, committed once."""
    engine = _sqlite(tmp_path_factory.mktemp("db") / "loaded.db", loaded=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """An empty PostgreSQL schema."""
    url, schema = _postgres_or_skip(), f"run_{os.getpid()}"
    engine = _postgres(url, schema, loaded=False)
    yield engine
    engine.dispose()
    _drop_schema(url, schema)


@pytest.fixture(scope="session")
def postgres_loaded_engine() -> Iterator[Engine]:
    """A PostgreSQL schema holding the sample programme, committed once."""
    url, schema = _postgres_or_skip(), f"run_{os.getpid()}_loaded"
    engine = _postgres(url, schema, loaded=True)
    yield engine
    engine.dispose()
    _drop_schema(url, schema)


def _backend(request: pytest.FixtureRequest, suffix: str) -> Engine:
    """The engine for the test's backend parameter; PostgreSQL tests carry the postgres mark."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    return request.getfixturevalue(f"{request.param}_{suffix}")  # type: ignore[no-any-return]


@pytest.fixture(params=["sqlite", "postgres"])
def db_engine(request: pytest.FixtureRequest) -> Engine:
    """Each test that asks for an empty database runs once on each backend."""
    return _backend(request, "engine")


@pytest.fixture(params=["sqlite", "postgres"])
def loaded_engine(request: pytest.FixtureRequest) -> Engine:
    """Each test that asks for the sample programme runs once on each backend."""
    return _backend(request, "loaded_engine")


@pytest.fixture
def sessions(db_engine: Engine) -> Iterator[sessionmaker[Session]]:
    """An empty database; whatever the test writes is rolled back."""
    with rolled_back(db_engine) as made:
        yield made


@pytest.fixture
def network(loaded_engine: Engine) -> Iterator[Network]:
    """The sample programme, on both backends; whatever the test does is rolled back."""
    with rolled_back(loaded_engine) as made:
        yield Network(made)


@pytest.fixture
def committed_postgres(postgres_engine: Engine) -> Iterator[Engine]:
    """PostgreSQL with real commits (for races); emptied before and after."""
    with postgres_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    yield postgres_engine
    with postgres_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))


@pytest.fixture
def refusals() -> dict[str, str]:
    """What the test's mail server refuses (address fragment to SMTP answer); a module overrides it to refuse."""
    return {}


@pytest.fixture
def mailbox(tmp_path: Path, refusals: dict[str, str]) -> Iterator[Mailbox]:
    """A real SMTP server on a free loopback port, keeping each message as a file under the test's own folder."""
    box = Mailbox(tmp_path / "mail", refuse=refusals)
    yield box
    box.stop()


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """One temporary Prefect API per worker for the flows run in process; heartbeats off (each costs a second)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield
