"""Exactly once: every due reminder rung becomes one outbox message per reader, however the sweep is run.

Against real databases, with real commits: the sweep run twice at the same moment (SQLite file and
PostgreSQL), four sweeps racing in separate processes on PostgreSQL (SKIP LOCKED), and a sweep killed
half-way with SIGKILL, then run again. What is checked is what a user would see: the outbox holds one
message per fired rung and reader, no more, no less, and each deadline's due rungs are fired (the latest)
or skipped (the stale ones), none left pending and none twice.

Run as a script, this file is the child process the concurrent tests start (see `_child`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from engine.deadlines.sweep import SweepReport, sweep
from engine.intake.importers import import_cities
from models import City, Deadline, OutboxMessage, Person, RoleAssignment, Rung
from models.db import make_engine, make_sessions, upgrade
from support import SECRETARIAT, START, Network, load_examples

ROOT = Path(__file__).resolve().parents[2]
MID = START + timedelta(days=25)  # some rungs of the first stage are due, later ones are not
FAR = START + timedelta(days=800)  # after a long outage: every ladder has run out
URL_VARIABLE = "JALON_SWEEP_CHILD_URL"  # the database URL reaches a child by its environment, not its argv
POLL = 0.002  # seconds between two looks at the database while a child works
KILL_AFTER = 50  # rungs fired before the kill: some (about a tenth), far from all
PATIENCE = 120.0  # seconds before a poll gives up (a bound, never an expectation)

# Who reads each audience (the product's rule, restated here so the test does not grade its own answer):
# the city's people in those roles, network people in those roles; nobody, then the secretariat.
READERS: dict[str, frozenset[str]] = {
    "city": frozenset({"city_lead", "city_member"}),
    "coach": frozenset({"coach"}),
    "mayor": frozenset({"mayor"}),
    "secretariat": frozenset({"secretariat"}),
    "finance": frozenset({"finance"}),
}

RungName = tuple[str, str, int]  # (city code, deadline subject, business days): a rung as a report names it
Letter = tuple[str, str, int, str]  # a rung's name and the email of one reader


@dataclass(frozen=True)
class StoredRung:
    """One rung as the database holds it, with what the checks need of its deadline."""

    id: int
    deadline_id: int
    seq: int
    city_id: int
    name: RungName
    audience: str
    fire_at: datetime
    state: str
    fired_at: datetime | None
    live: bool  # its deadline is open and not frozen: the sweep owes its due rungs


@dataclass(frozen=True)
class Outgoing:
    """One reminder in the outbox."""

    key: str
    recipient_id: int | None
    city_id: int | None
    kind: str
    created_at: datetime


@dataclass(frozen=True)
class Stored:
    """Everything the checks look at, read in one transaction."""

    rungs: dict[int, StoredRung]
    next_fire: dict[int, datetime | None]  # the live deadlines' indexed next fire time
    roles: frozenset[tuple[int | None, str, int]]  # (city, role, person)
    emails: dict[int, str]
    outbox: list[Outgoing]


def read(engine: Engine) -> Stored:
    """The rungs, deadlines, readers and reminder messages as committed."""
    with make_sessions(engine)() as s:
        rows = s.execute(
            select(Rung, Deadline.city_id, Deadline.subject, Deadline.state, Deadline.frozen_at, City.code)
            .join(Deadline, Deadline.id == Rung.deadline_id)
            .join(City, City.id == Deadline.city_id)
        ).all()
        rungs = {
            r.id: StoredRung(
                r.id,
                r.deadline_id,
                r.seq,
                city_id,
                (code, subject, r.business_days),
                r.audience,
                r.fire_at,
                r.state,
                r.fired_at,
                state == "open" and frozen is None,
            )
            for r, city_id, subject, state, frozen, code in rows
        }
        next_fire = {
            d: at
            for d, at in s.execute(
                select(Deadline.id, Deadline.next_fire_at).where(Deadline.state == "open", Deadline.frozen_at.is_(None))
            )
        }
        roles = frozenset(
            (c, str(role), p)
            for c, role, p in s.execute(select(RoleAssignment.city_id, RoleAssignment.role, RoleAssignment.person_id))
        )
        emails = {p: e for p, e in s.execute(select(Person.id, Person.email))}
        outbox = [
            Outgoing(*row)
            for row in s.execute(
                select(
                    OutboxMessage.key,
                    OutboxMessage.recipient_id,
                    OutboxMessage.city_id,
                    OutboxMessage.kind,
                    OutboxMessage.created_at,
                )
                .where(OutboxMessage.key.like("rung:%"))
                .order_by(OutboxMessage.key)
            )
        ]
    return Stored(rungs, next_fire, roles, emails, outbox)


def readers(stored: Stored, rung: StoredRung) -> set[int]:
    """The people a rung must reach."""
    roles = READERS[rung.audience]
    found = {p for c, role, p in stored.roles if role in roles and c in (rung.city_id, None)}
    return found or {p for c, role, p in stored.roles if c is None and role == "secretariat"}


def owed(stored: Stored, at: datetime) -> dict[int, set[int]]:
    """Per live deadline, its pending rungs due at `at`: what a sweep at `at` must settle."""
    due: dict[int, set[int]] = defaultdict(set)
    for r in stored.rungs.values():
        if r.live and r.state == "pending" and r.fire_at <= at:
            due[r.deadline_id].add(r.id)
    return dict(due)


def expected_kind(subject: str, audience: str, stood_in: bool) -> str:
    """The catalogue kind a rung's message must have: an alarm, a report due, a reminder or an escalation
    (to the secretariat when it stands in for an audience nobody holds)."""
    if subject in ("selection_to_start", "silent"):
        return f"alarm.{subject}"
    if stood_in:
        return "deadline.escalation.secretariat"
    if audience == "city":
        return "report_due" if subject.startswith("periodic_report_") else "deadline.reminder"
    return f"deadline.escalation.{audience}"


def stood_in_for(stored: Stored, rung: StoredRung) -> bool:
    """Nobody holds the rung's audience for its city: the secretariat reads it instead."""
    return not any(role in READERS[rung.audience] and c in (rung.city_id, None) for c, role, _ in stored.roles)


def in_digest(stored: Stored, rung: StoredRung) -> bool:
    """Told in the secretariat's digest, not by letter: a silent city's alarm, or an escalation to the secretariat
    of a deadline an earlier sweep already took to it (its own rung, or one it stood in for)."""
    if rung.name[1] == "silent":
        return True
    if expected_kind(rung.name[1], rung.audience, stood_in_for(stored, rung)) != "deadline.escalation.secretariat":
        return False
    return any(
        r.deadline_id == rung.deadline_id
        and r.state == "fired"
        and r.fired_at is not None
        and rung.fired_at is not None
        and r.fired_at < rung.fired_at
        and (r.audience == "secretariat" or stood_in_for(stored, r))
        for r in stored.rungs.values()
    )


def check_outbox(stored: Stored) -> int:
    """One message per fired rung and reader, keyed uniquely, and nothing else; the number of messages."""
    twice = sorted(k for k, n in Counter(m.key for m in stored.outbox).items() if n > 1)
    assert twice == [], f"outbox keys written more than once: {twice[:10]}"
    sent: set[tuple[int, int]] = set()
    for m in stored.outbox:
        _, rung_id, person_id = m.key.split(":")
        rung = stored.rungs[int(rung_id)]
        assert m.recipient_id == int(person_id), m
        assert m.city_id == rung.city_id, m
        assert m.kind == expected_kind(rung.name[1], rung.audience, stood_in_for(stored, rung)), m
        sent.add((rung.id, int(person_id)))
    fired = [r for r in stored.rungs.values() if r.state == "fired" and not in_digest(stored, r)]
    expected = {(r.id, p) for r in fired for p in readers(stored, r)}
    assert sorted(expected - sent)[:10] == [], f"{len(expected - sent)} reminders missing from the outbox"
    assert sorted(sent - expected)[:10] == [], f"{len(sent - expected)} reminders for rungs that did not fire"
    assert len(stored.outbox) == len(expected)
    return len(expected)


def check_swept(before: Stored, after: Stored, at: datetime) -> list[StoredRung]:
    """Every rung owed at `at` settled exactly once, the latest of each ladder fired; the rungs fired at `at`."""
    due = owed(before, at)
    assert owed(after, at) == {}, "due rungs left pending"
    settled: dict[int, set[int]] = defaultdict(set)
    for r in after.rungs.values():
        if r.fired_at == at:
            settled[r.deadline_id].add(r.id)
    assert dict(settled) == due, "the rungs settled at this moment are not the ones that were due"
    fired: list[StoredRung] = []
    for ids in due.values():
        latest = max(ids, key=lambda i: (before.rungs[i].fire_at, before.rungs[i].seq))
        assert [i for i in ids if after.rungs[i].state == "fired"] == [latest]
        assert all(after.rungs[i].state == "skipped" for i in ids - {latest})
        fired.append(after.rungs[latest])
    untouched = set(before.rungs) - {i for ids in due.values() for i in ids}
    assert [before.rungs[i] for i in sorted(untouched)] == [after.rungs[i] for i in sorted(untouched)]
    pending: dict[int, list[datetime]] = defaultdict(list)
    for r in after.rungs.values():
        if r.live and r.state == "pending":
            pending[r.deadline_id].append(r.fire_at)
    for deadline_id, next_fire in after.next_fire.items():
        times = pending.get(deadline_id)
        assert next_fire == (min(times) if times else None), f"deadline {deadline_id} will not be swept right"
    names = Counter(r.name for r in fired)
    assert [n for n, k in names.items() if k > 1] == []  # a rung's name is enough to tell reports apart
    return fired


def letters_at(stored: Stored, at: datetime) -> Counter[Letter]:
    """The reminders written at `at`, as (rung name, reader's email)."""
    found: Counter[Letter] = Counter()
    for m in stored.outbox:
        if m.created_at == at:
            rung = stored.rungs[int(m.key.split(":")[1])]
            assert m.recipient_id is not None
            found[(*rung.name, stored.emails[m.recipient_id])] += 1
    return found


def reported(report: SweepReport) -> list[tuple[RungName, list[str]]]:
    """What a sweep says it fired, and to whom it wrote (a rung told in the digest writes no letter)."""
    return [
        ((f.city, f.subject, f.business_days), list(f.recipients) if f.via == "message" else []) for f in report.fired
    ]


def check_reports(after: Stored, fired: list[StoredRung], at: datetime, reports: list[Any]) -> None:
    """The reports, together, name each rung fired at `at` once, with the readers its messages went to."""
    names: Counter[RungName] = Counter()
    letters: Counter[Letter] = Counter()
    for entries in reports:
        for (city, subject, days), recipients in entries:
            names[(city, subject, days)] += 1
            letters.update((city, subject, days, email) for email in recipients)
    assert [n for n, k in names.items() if k > 1] == [], "a rung reported fired by two sweeps"
    assert names == Counter(r.name for r in fired)
    assert letters == letters_at(after, at)


def populate(engine: Engine, tmp_path: Path, extra: int) -> Network:
    """The sample programme and `extra` more cities (Malian, nobody assigned: the secretariat reads theirs)."""
    sessions = make_sessions(engine)
    network = load_examples(sessions)
    rows = "".join(f"C{i:04d},Ville {i},ML,Africa/Bamako,fr\n" for i in range(1, extra + 1))
    path = tmp_path / "more-cities.csv"
    path.write_text("code,name,country,timezone,languages\n" + rows, encoding="utf-8")
    assert import_cities(sessions, path, at=START) == (extra, 0)
    return network


def whereabouts(engine: Engine) -> tuple[str, str]:
    """The URL and (on PostgreSQL) the schema a child process must use to reach this database."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name != "postgresql":
        return url, ""
    with engine.connect() as conn:
        return url, str(conn.scalar(text("SHOW search_path")))


def spawn(engine: Engine, at: datetime, batch: int, tag: str, *, gate: bool) -> subprocess.Popen[str]:
    """A sweep in a process of its own, on its own engine; with a gate, it waits for a line on stdin."""
    url, schema = whereabouts(engine)
    env = {**os.environ, URL_VARIABLE: url, "PYTHONPATH": os.pathsep.join((str(ROOT), str(ROOT / "tests")))}
    argv = [sys.executable, __file__, schema, at.isoformat(), str(batch), tag, "gate" if gate else "go"]
    return subprocess.Popen(
        argv, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _child(schema: str, at: str, batch: str, tag: str, gate: str) -> None:
    """The child's side: connect, say ready, wait for the go (if gated), sweep, print what was fired."""
    url = os.environ[URL_VARIABLE]
    engine = (
        make_engine(url, connect_args={"options": f"-csearch_path={schema}", "application_name": tag})
        if schema
        else make_engine(url)
    )
    with engine.connect() as conn:  # connected before the start, so the race is the sweep's
        conn.execute(text("SELECT 1"))
    if gate == "gate":
        print("ready", flush=True)
        sys.stdin.readline()
    report = sweep(make_sessions(engine), datetime.fromisoformat(at), batch=int(batch))
    print(json.dumps({"tag": tag, "fired": reported(report), "skipped": len(report.skipped)}), flush=True)
    engine.dispose()


def until(condition: Callable[[], bool], what: str) -> None:
    """Poll `condition` until it holds; fail after PATIENCE seconds (a bound, never an expectation)."""
    give_up = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < give_up, f"gave up waiting for {what}"
        time.sleep(POLL)


@pytest.fixture(params=["sqlite", "postgres"])
def committed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with real commits, empty: a SQLite file of the test's own, or PostgreSQL."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
        yield request.getfixturevalue("committed_postgres")
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'sweep.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def test_a_second_sweep_at_the_same_moment_fires_nothing(committed: Engine, tmp_path: Path) -> None:
    network = populate(committed, tmp_path, extra=60)
    network.walk("BKO", "record_first_payment")  # awaiting its first payment: the money ladder, read by finance
    network.act("NIM", "pause", SECRETARIAT, reason="Floods")  # frozen: nothing of NIM's may fire
    sessions = make_sessions(committed)
    total = 0
    for at in (MID, FAR):
        before = read(committed)
        first = sweep(sessions, at, batch=7)
        once = read(committed)
        second = sweep(sessions, at, batch=7)
        twice = read(committed)

        assert first.fired, f"nothing was due at {at}"
        assert (second.fired, second.skipped) == ([], [])
        assert twice == once
        fired = check_swept(before, once, at)
        assert len(first.fired) == len(fired)
        assert len(first.skipped) == sum(len(ids) for ids in owed(before, at).values()) - len(fired)
        check_reports(once, fired, at, [reported(first)])
        total = check_outbox(once)
        assert {r.name[0] for r in fired}.isdisjoint({"NIM"})
    assert {r.audience for r in read(committed).rungs.values() if r.state == "fired"} >= {
        "city",
        "mayor",
        "secretariat",
    }
    assert total > 0


@pytest.mark.postgres
def test_four_processes_sweeping_at_once_fire_each_rung_once(committed_postgres: Engine, tmp_path: Path) -> None:
    populate(committed_postgres, tmp_path, extra=400)
    before = read(committed_postgres)
    assert len(owed(before, FAR)) > 800

    children = [spawn(committed_postgres, FAR, 20, f"sweep-race-{n}", gate=True) for n in range(4)]
    try:
        for child in children:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line.strip() == "ready", f"child did not start: {line!r} {child.stderr and child.stderr.read()}"
        for child in children:  # the go, to all four at once
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        outputs = [child.communicate(timeout=PATIENCE) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()

    summaries: list[dict[str, Any]] = []
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        summaries.append(json.loads(out.strip().splitlines()[-1]))
    after = read(committed_postgres)
    fired = check_swept(before, after, FAR)
    messages = check_outbox(after)
    check_reports(after, fired, FAR, [s["fired"] for s in summaries])
    assert sum(len(s["fired"]) for s in summaries) == len(fired) == len(owed(before, FAR))
    assert sum(s["skipped"] for s in summaries) == sum(len(ids) for ids in owed(before, FAR).values()) - len(fired)
    print(f"4 processes: fired {[len(s['fired']) for s in summaries]}, {len(fired)} rungs, {messages} messages")


def test_a_sweep_killed_half_way_then_run_again_loses_and_repeats_nothing(committed: Engine, tmp_path: Path) -> None:
    populate(committed, tmp_path, extra=300)
    before = read(committed)
    due = owed(before, FAR)
    assert len(due) > 600

    def progress() -> int:  # the rungs' states, not the outbox: a batch committed in two halves would show here
        with committed.connect() as conn:
            return int(conn.scalar(select(func.count(Rung.id)).where(Rung.state == "fired")) or 0)

    tag = f"sweep-killed-{os.getpid()}"
    child = spawn(committed, FAR, 1, tag, gate=False)
    try:
        until(lambda: progress() >= KILL_AFTER or child.poll() is not None, "the child's first batches")
    finally:
        child.kill()  # SIGKILL: no handler, no rollback, no goodbye
        _, err = child.communicate(timeout=PATIENCE)
    assert child.returncode == -signal.SIGKILL, f"the sweep ended before it could be killed; give it more work\n{err}"
    if committed.dialect.name == "postgresql":  # the killed client's server process, and its row locks, gone

        def gone() -> bool:
            with committed.connect() as conn:
                query = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :tag")
                return int(conn.scalar(query, {"tag": tag}) or 0) == 0

        until(gone, "the killed sweep's connection to close")

    halfway = read(committed)
    partial = check_outbox(halfway)  # each batch was all or nothing: messages exactly for the rungs fired
    left = owed(halfway, FAR)
    assert partial > 0 and 0 < len(left) < len(due), "the kill did not land half-way"

    again = sweep(make_sessions(committed), FAR)
    after = read(committed)
    fired = check_swept(before, after, FAR)
    messages = check_outbox(after)
    assert len(again.fired) == len(left)
    assert len(fired) == len(due)
    print(f"killed after {len(due) - len(left)} of {len(due)} deadlines ({partial} messages); {messages} in all")


if __name__ == "__main__":
    _child(*sys.argv[1:])
