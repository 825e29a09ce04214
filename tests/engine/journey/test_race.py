"""Sixteen people acting on the same few cities at once: no lost update, every loser told clearly."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from engine import Conflict, act
from engine.journey.audit import replay, verify
from engine.views.queries import status
from models import AuditEvent
from models.db import make_engine, make_sessions, upgrade
from support import SECRETARIAT, load_examples

THREADS = 16
ROUNDS = 12
CITIES = ("BKO", "NIM", "BEN")


def race(engine: Engine) -> None:
    """Each thread reads a city's version, then pauses or resumes it expecting that version."""
    sessions = make_sessions(engine)
    load_examples(sessions)
    wins: Counter[str] = Counter()
    losses: list[str] = []
    unexpected: list[BaseException] = []
    lock = threading.Lock()
    gate = threading.Barrier(THREADS)
    base = datetime(2026, 2, 1, tzinfo=UTC)

    def worker(n: int) -> None:
        gate.wait()
        for r in range(ROUNDS):
            city = CITIES[(n + r) % len(CITIES)]
            row = next(x for x in status(sessions, base) if x.city == city)
            trigger, data = ("resume", {}) if row.state == "paused" else ("pause", {"reason": f"worker {n}"})
            at = base + timedelta(minutes=r, microseconds=n)
            try:
                act(sessions, city, trigger, SECRETARIAT, at=at, data=data, expected_version=row.version)
            except Conflict as exc:
                with lock:
                    losses.append(str(exc))
            except BaseException as exc:  # anything else is a bug the test must show
                with lock:
                    unexpected.append(exc)
            else:
                with lock:
                    wins[city] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert unexpected == []
    assert sum(wins.values()) + len(losses) == THREADS * ROUNDS
    assert all("changed while you were deciding" in m for m in losses)
    board = {row.city: row for row in status(sessions, base)}
    with sessions() as s:
        acts = s.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.trigger.in_(("pause", "resume")))
        )  # the import's own events (join, the coaches of the people file) aside
        assert acts == sum(wins.values())
        assert verify(s) == []
        assert replay(s) == []
    for city in CITIES:
        assert board[city].version == 2 + wins[city]  # joined, and its coach from the people file
        assert board[city].state == ("paused" if wins[city] % 2 else "selected")


@pytest.mark.postgres
def test_sixteen_threads_on_postgres(committed_postgres: Engine) -> None:
    race(committed_postgres)


def test_sixteen_threads_on_a_sqlite_file(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'race.db'}")
    upgrade(engine)
    race(engine)
