"""Sweep time against the number of cities: engine.sweep.sweep over 10,000 and 100,000 active cities.

Every city is active, with one open stage deadline carrying the programme's standard ladder of six
rungs (-5, 0, 5 business days to the city; 10 to the coach; 20 to the secretariat; 30 to the mayor).
About 1% of the deadlines have exactly one rung due at the sweep moment (their indexed next_fire_at
is at or before it); every other deadline's next rung is later. The due rungs cycle through the whole
ladder, so every audience is resolved: a city lead per city, one of a few coaches per city, the
secretariat network-wide, and no mayors (the mayor rung falls back to the secretariat, as the sweep does).

Setup is bulk SQLAlchemy Core INSERT executemany on the models' tables, after loading the sample
programme file (the cities' programme and pinned definition). Only the sweep call is timed, after a
warm-up sweep; between runs the fired rungs, the deadlines' next fire times and the outbox are put
back, so every run does the same work. The figure is the median of the runs.

Rows marked "same due" sweep the larger population at an earlier moment, when only as many deadlines
are due as in the smallest one: the cost of the table size alone, with the work held constant.

The aims: 100,000 cities swept in under a second on SQLite, and 100,000 cities no more than 1.5x
the time of 10,000 (the largest size against the smallest, on each backend).

    .venv/bin/python bench/sweep.py [--backend sqlite|postgres|both] [--sizes 10000,100000]
                                    [--repeat 3] [--due 0.01] [--profile]

--profile also breaks one sweep of each size into phases (the due-deadline query, the rung query,
the city query, the recipients, the Python loop, the flush by statement, the commit) and cProfiles
the largest size.

PostgreSQL: the server of --postgres-url (or JALON_BENCH_POSTGRES_URL), always in its own database
jalon_bench, created if missing; its schema public is dropped and migrated afresh for each size.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from backends import (
    BENCH_DATABASE,
    CITIES,
    DEADLINES,
    OUTBOX,
    PEOPLE,
    ROLES,
    RUNGS,
    VERSIONS,
    Unreachable,
    postgres_engine,
)
from backends import sqlite_engine as fresh_sqlite
from sqlalchemy import Engine, bindparam, delete, func, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

import engine.deadlines.sweep as sweeping
from engine.intake.programme import load
from models.db import make_sessions
from states import Role
from states import lifecycle as j

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
AT = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # the sweep moment
DEFAULT_POSTGRES = f"postgresql+psycopg://postgres@127.0.0.1:5432/{BENCH_DATABASE}"
COACHES = 20
SECRETARIAT = 2
CHUNK = 20_000
SENT = timedelta(seconds=7)  # earlier rungs went out a little after their time: never on a sweep moment
UNDER_A_SECOND = 1.0
MAX_RATIO = 1.5


# --- the population -------------------------------------------------------------------------------


@dataclass
class Population:
    """What was inserted, and what a sweep at AT must do with it."""

    cities: int
    ladder: list[tuple[int, str]]
    due_fire: dict[int, datetime] = field(default_factory=dict)
    """Deadline id -> its due rung's fire time (also its next_fire_at), for the deadlines due at AT."""
    due_audience: dict[int, str] = field(default_factory=dict)
    seconds: float = 0.0

    def due_at(self, moment: datetime) -> list[int]:
        """The deadlines due at a moment."""
        return [d for d, t in self.due_fire.items() if t <= moment]

    def messages(self, deadline_ids: Iterable[int]) -> int:
        """Outbox rows the sweep must write for these deadlines: one per reader of the due rung."""
        readers = {"city": 1, "coach": 1}  # the city lead; the city's coach; others: the secretariat
        return sum(readers.get(self.due_audience[d], SECRETARIAT) for d in deadline_ids)

    def moment_for(self, due: int) -> datetime:
        """The earliest moment at which exactly `due` deadlines are due."""
        return sorted(self.due_fire.values())[due - 1]


@cache
def days(business_days: int) -> timedelta:
    """Business days as calendar days, near enough for spreading fire times (5 business days, a week)."""
    return timedelta(days=business_days * 7 // 5)


def chunks(rows: Iterator[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    """Rows in lists of `size`, so executemany never holds the whole table in memory."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def populate(engine: Engine, n: int, due_share: float) -> Population:
    """The sample programme, then n active cities with their people, roles, deadlines and rungs, in bulk."""
    start = time.perf_counter()
    load(make_sessions(engine), EXAMPLES / "programme.yaml", at=AT - timedelta(days=90))
    with engine.connect() as conn:
        version = conn.execute(select(VERSIONS.c.id, VERSIONS.c.programme_id, VERSIONS.c.definition)).one()
    definition: dict[str, Any] = version.definition
    ladder_rows: list[dict[str, Any]] = definition["ladders"]["standard"]
    ladder = [(int(r["business_days"]), str(r["to"])) for r in ladder_rows]
    stages = [
        s
        for s in j.ACTIVE
        if (timing := definition["stages"].get(s)) and timing.get("ladder", "standard") == "standard"
    ]
    pop = Population(n, ladder)
    due_count = max(1, round(n * due_share))
    step = n / due_count
    due_index = {int(d * step): d for d in range(due_count)}
    lead0, coach0, sec0 = 1, n + 1, n + COACHES + 1
    city_ids = range(1, n + 1)

    def cities() -> Iterator[dict[str, Any]]:
        for c in city_ids:
            yield {
                "id": c,
                "programme_id": version.programme_id,
                "definition_id": version.id,
                "code": f"B{c:06d}",
                "name": f"Bench City {c}",
                "country": "FR",
                "timezone": "Europe/Paris",
                "languages": "fr,en",
                "state": stages[c % len(stages)],
                "paused_from": None,
                "state_since": AT - timedelta(days=30),
                "selected_at": AT - timedelta(days=90),
                "version": 0,
                "last_hash": None,
            }

    def people() -> Iterator[dict[str, Any]]:
        for c in city_ids:
            yield {"id": lead0 + c - 1, "email": f"lead.{c:06d}@city.example.org", "name": f"Lead {c}"}
        for k in range(COACHES):
            yield {"id": coach0 + k, "email": f"coach.{k:02d}@coach.example.org", "name": f"Coach {k}"}
        for k in range(SECRETARIAT):
            yield {"id": sec0 + k, "email": f"secretariat.{k}@network.example.org", "name": f"Secretariat {k}"}

    def with_extras(rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """What every person has in common."""
        for row in rows:
            row.update(language="fr", created_at=AT - timedelta(days=90))
            yield row

    def roles() -> Iterator[dict[str, Any]]:
        for c in city_ids:
            yield {"person_id": lead0 + c - 1, "role": Role.CITY_LEAD.value, "city_id": c}
            yield {"person_id": coach0 + c % COACHES, "role": Role.COACH.value, "city_id": c}
        for k in range(SECRETARIAT):
            yield {"person_id": sec0 + k, "role": Role.SECRETARIAT.value, "city_id": None}

    rung_rows: list[dict[str, Any]] = []

    def deadlines() -> Iterator[dict[str, Any]]:
        """One open stage deadline per city; its rungs go to rung_rows, flushed in step."""
        for c in city_ids:
            i = c - 1
            due = due_index.get(i)
            k = (due if due is not None else i) % len(ladder)  # the current rung: earlier ones went out
            if due is not None:  # spread over the hours before AT, a minute apart
                current = AT - timedelta(minutes=due_count - due)
                pop.due_fire[c] = current
                pop.due_audience[c] = ladder[k][1]
            else:  # spread over the coming 30 days
                current = AT + timedelta(hours=1, minutes=(i * 7919) % (30 * 24 * 60))
            zero = current - days(ladder[k][0])
            for seq, (business_days, audience) in enumerate(ladder, start=1):
                fire = zero + days(business_days)
                rung_rows.append(
                    {
                        "id": (c - 1) * len(ladder) + seq,
                        "deadline_id": c,
                        "seq": seq,
                        "business_days": business_days,
                        "audience": audience,
                        "fire_at": fire,
                        "state": "fired" if seq - 1 < k else "pending",
                        "fired_at": fire + SENT if seq - 1 < k else None,
                    }
                )
            yield {
                "id": c,
                "city_id": c,
                "kind": "stage",
                "subject": stages[c % len(stages)],
                "opened_at": AT - timedelta(days=30),
                "due_on": zero.date(),
                "extended_days": 0,
                "state": "open",
                "closed_at": None,
                "frozen_at": None,
                "next_fire_at": current,
                "ladder": ladder_rows,
            }

    with engine.begin() as conn:
        for rows in chunks(cities()):
            conn.execute(insert(CITIES), rows)
        for rows in chunks(with_extras(people())):
            conn.execute(insert(PEOPLE), rows)
        for rows in chunks(roles()):
            conn.execute(insert(ROLES), rows)
        for rows in chunks(deadlines()):
            conn.execute(insert(DEADLINES), rows)
            conn.execute(insert(RUNGS), rung_rows)
            rung_rows.clear()
    settle(engine)
    pop.seconds = time.perf_counter() - start
    return pop


def settle(engine: Engine) -> None:
    """After the bulk load: PostgreSQL's sequences past the ids given, and its statistics (as autovacuum
    would gather them); SQLite's WAL checkpointed into the database file."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for t in (CITIES, PEOPLE, DEADLINES, RUNGS):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), (SELECT max(id) FROM {t.name}))")
                )
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def reset(engine: Engine, pop: Population, moment: datetime) -> None:
    """Undo a sweep at `moment`: its rungs pending again, the deadlines' next fire times back, no outbox."""
    due = pop.due_at(moment)
    with engine.begin() as conn:
        # TRUNCATE on PostgreSQL: after DELETE the next run's same keys would meet dead index entries
        conn.execute(text("TRUNCATE outbox") if engine.dialect.name == "postgresql" else delete(OUTBOX))
        conn.execute(
            update(RUNGS)
            .where(RUNGS.c.state != "pending", RUNGS.c.fired_at == moment)  # only a sweep at `moment` writes that
            .values(state="pending", fired_at=None)
        )
        conn.execute(
            update(DEADLINES).where(DEADLINES.c.id == bindparam("b_id")).values(next_fire_at=bindparam("b_next")),
            [{"b_id": d, "b_next": pop.due_fire[d]} for d in due],
        )


# --- measuring ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One size on one backend, swept at one moment."""

    backend: str
    cities: int
    label: str
    due: int
    messages: int
    times: list[float]
    setup: float
    problems: list[str]

    @property
    def median(self) -> float:
        """The median sweep time, in seconds."""
        return statistics.median(self.times)


def check(engine: Engine, pop: Population, moment: datetime, report: sweeping.SweepReport) -> tuple[int, list[str]]:
    """The messages the sweep wrote, and anything it did other than fire each due rung once."""
    due = pop.due_at(moment)
    expected = pop.messages(due)
    problems: list[str] = []
    with engine.connect() as conn:
        written = conn.scalar(select(func.count()).select_from(OUTBOX)) or 0
        fired = conn.scalar(select(func.count()).select_from(RUNGS).where(RUNGS.c.fired_at == moment)) or 0
    if len(report.fired) != len(due) or fired != len(due):
        problems.append(f"fired {len(report.fired)} rungs ({fired} in the table), expected {len(due)}")
    if report.skipped:
        problems.append(f"skipped {len(report.skipped)} rungs, expected none")
    if written != expected:
        problems.append(f"wrote {written} outbox rows, expected {expected}")
    return written, problems


def measure(
    name: str, engine: Engine, pop: Population, moment: datetime, label: str, repeat: int, batch: int
) -> Result:
    """A warm-up sweep, then `repeat` timed sweeps at `moment`, each one checked and undone."""
    sessions = make_sessions(engine)
    report = sweeping.sweep(sessions, moment, batch=batch)
    messages, problems = check(engine, pop, moment, report)
    reset(engine, pop, moment)
    times: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        report = sweeping.sweep(sessions, moment, batch=batch)
        times.append(time.perf_counter() - start)
        problems += check(engine, pop, moment, report)[1]
        reset(engine, pop, moment)
    shown = " ".join(f"{t:.3f}" for t in times)
    print(f"[{name}] {pop.cities} cities, {len(pop.due_at(moment))} due ({label}): {shown} s", flush=True)
    return Result(name, pop.cities, label, len(pop.due_at(moment)), messages, times, pop.seconds, problems)


# --- profiling ------------------------------------------------------------------------------------


@dataclass
class Phases:
    """Wall time and SQL driver time per phase of a sweep, marked by session and connection events."""

    wall: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    sql: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    statements: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    current: str = "start"
    since: float = 0.0
    sent: float = 0.0

    def mark(self, phase: str) -> None:
        """Close the running phase and open another."""
        now = time.perf_counter()
        self.wall[self.current] += now - self.since
        self.current, self.since = phase, now


QUERY_PHASE = {"deadlines": "1 due-deadline query", "rungs": "2 rung query", "cities": "3 city query"}


def statement_kind(statement: str) -> str:
    """'UPDATE rungs', 'INSERT outbox', 'SELECT', 'COMMIT' ... from the SQL text."""
    words = statement.split()
    verb = words[0].upper() if words else "?"
    if verb == "UPDATE":
        return f"UPDATE {words[1]}"
    if verb == "INSERT":
        return f"INSERT {words[2]}"
    return verb


def rows_sent(statement: str, params: Any) -> int:
    """Rows a statement carries: one per parameter set of an executemany, and for an INSERT of many
    VALUES in one statement (insertmanyvalues), its parameters over its columns."""
    if isinstance(params, list):
        return len(params)
    if statement.lstrip().upper().startswith("INSERT") and "(" in statement:
        columns = statement[statement.index("(") + 1 : statement.index(")")].count(",") + 1
        return max(1, len(params) // columns)
    return 1


def phased(name: str, engine: Engine, pop: Population, moment: datetime, batch: int) -> None:
    """One sweep broken into phases, printed; the sweep is undone afterwards."""
    from sqlalchemy import event

    ph = Phases()
    sessions: sessionmaker[Session] = make_sessions(engine)
    original = sweeping.readers  # type: ignore[attr-defined]

    def recipients(s: Session, city_ids: Any, roles: Any) -> Any:
        ph.mark("4 recipients (query + dict)")
        try:
            return original(s, city_ids, roles)
        finally:
            ph.mark("5 python loop (messages, report)")

    def on_orm(state: Any) -> None:
        froms = state.statement.get_final_froms() if state.is_select else []
        phase = QUERY_PHASE.get(getattr(froms[0], "name", "")) if len(froms) == 1 else None
        if phase:  # the recipients' join is marked by its function
            ph.mark(phase)

    def on_before_flush(*_: Any) -> None:
        ph.mark("6 flush (ORM unit of work)")  # the sweep writes in bulk: mostly empty now

    def on_after_flush(*_: Any) -> None:
        ph.mark("7 COMMIT")

    def on_after_commit(*_: Any) -> None:
        ph.mark("8 between batches")

    def before_cursor(_conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        kind = statement_kind(statement)
        ph.statements[kind] += 1
        ph.rows[kind] += rows_sent(statement, params)
        ph.sent = time.perf_counter()

    def after_cursor(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        took = time.perf_counter() - ph.sent
        ph.sql[ph.current] += took
        ph.sql["sql " + statement_kind(statement)] += took

    session_hooks: list[tuple[str, Callable[..., None]]] = [
        ("do_orm_execute", on_orm),
        ("before_flush", on_before_flush),
        ("after_flush_postexec", on_after_flush),
        ("after_commit", on_after_commit),
    ]
    engine_hooks: list[tuple[str, Callable[..., None]]] = [
        ("before_cursor_execute", before_cursor),
        ("after_cursor_execute", after_cursor),
    ]
    for hook, fn in session_hooks:
        event.listen(sessions, hook, fn)
    for hook, fn in engine_hooks:
        event.listen(engine, hook, fn)
    sweeping.readers = recipients  # type: ignore[attr-defined]  # the sweep looks it up at each batch
    try:
        ph.since = start = time.perf_counter()
        sweeping.sweep(sessions, moment, batch=batch)
        ph.mark("end")
        total = time.perf_counter() - start
    finally:
        sweeping.readers = original  # type: ignore[attr-defined]
        for hook, fn in session_hooks:
            event.remove(sessions, hook, fn)
        for hook, fn in engine_hooks:
            event.remove(engine, hook, fn)
    reset(engine, pop, moment)
    due = len(pop.due_at(moment))
    print(f"\n[{name}] one sweep of {pop.cities} cities, {due} due, by phase ({total:.3f} s in all, instrumented):")
    print(f"    {'phase':<36}{'wall s':>8}{'share':>7}{'in SQL driver s':>17}")
    for phase in sorted(ph.wall):
        if phase in ("start", "end") and ph.wall[phase] < 1e-4:
            continue
        print(f"    {phase:<36}{ph.wall[phase]:>8.3f}{ph.wall[phase] / total:>7.0%}{ph.sql.get(phase, 0.0):>17.3f}")
    print(f"    {'statement':<36}{'calls':>8}{'rows':>7}{'driver s':>17}")
    for kind in sorted(ph.statements):
        print(f"    {kind:<36}{ph.statements[kind]:>8}{ph.rows[kind]:>7}{ph.sql.get('sql ' + kind, 0.0):>17.3f}")
    if engine.dialect.name == "sqlite":
        print("    (SQLite: driver time is the execute call; its rows are read while fetched, in wall time)")


def profiled(name: str, engine: Engine, pop: Population, moment: datetime, batch: int) -> None:
    """cProfile one sweep: the top functions by own and by cumulative time; the sweep is undone."""
    prof = cProfile.Profile()
    sessions = make_sessions(engine)
    prof.enable()
    sweeping.sweep(sessions, moment, batch=batch)
    prof.disable()
    reset(engine, pop, moment)
    for key in ("tottime", "cumulative"):
        print(f"\n[{name}] sweep of {pop.cities} cities, top functions by {key}:")
        pstats.Stats(prof, stream=sys.stdout).strip_dirs().sort_stats(key).print_stats(25)


# --- backends -------------------------------------------------------------------------------------


def sqlite_engine(folder: Path, n: int) -> Engine:
    """A fresh SQLite file for n cities, migrated to head."""
    return fresh_sqlite(folder / f"sweep-{n}.db")


def bench(name: str, args: argparse.Namespace, folder: Path) -> list[Result]:
    """Every size on one backend: populate, then time the sweep at 1% due (and, above the smallest
    size, at the smallest size's due count)."""
    results: list[Result] = []
    smallest_due = max(1, round(min(args.sizes) * args.due))
    for n in args.sizes:
        engine = sqlite_engine(folder, n) if name == "sqlite" else postgres_engine(args.postgres_url)
        try:
            print(f"[{name}] inserting {n} cities, {n} deadlines, {6 * n} rungs ...", flush=True)
            pop = populate(engine, n, args.due)
            print(f"[{name}] {n} cities ready in {pop.seconds:.1f} s; sweeping ...", flush=True)
            results.append(measure(name, engine, pop, AT, f"{args.due:.0%} due", args.repeat, args.batch))
            if n > min(args.sizes) and len(pop.due_fire) > smallest_due:
                moment = pop.moment_for(smallest_due)
                results.append(measure(name, engine, pop, moment, "same due", args.repeat, args.batch))
            if args.profile:
                phased(name, engine, pop, AT, args.batch)
                if n == max(args.sizes):
                    profiled(name, engine, pop, AT, args.batch)
        finally:
            engine.dispose()
        if name == "sqlite":
            for f in folder.glob(f"sweep-{n}.db*"):
                f.unlink()
    return results


def arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--sizes", default="10000,100000", help="numbers of active cities (default 10000,100000)")
    p.add_argument("--repeat", type=int, default=3, help="timed sweeps per size, after a warm-up (default 3)")
    p.add_argument("--due", type=float, default=0.01, help="share of deadlines due at the sweep (default 0.01)")
    p.add_argument("--batch", type=int, default=sweeping.BATCH, help=f"sweep batch (default {sweeping.BATCH})")
    p.add_argument(
        "--postgres-url",
        default=os.environ.get("JALON_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help=f"PostgreSQL server; the database is always {BENCH_DATABASE}",
    )
    p.add_argument("--profile", action="store_true", help="also break sweeps into phases and cProfile the largest")
    args = p.parse_args(argv)
    try:
        args.sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        p.error("--sizes takes numbers separated by commas, e.g. 10000,100000")
    if not args.sizes or args.sizes[0] < 1 or args.repeat < 1 or not 0 < args.due <= 1 or args.batch < 1:
        p.error("--sizes >= 1, --repeat >= 1, 0 < --due <= 1, --batch >= 1")
    return args


def verdicts(results: list[Result]) -> list[str]:
    """The aims, judged on the 1%-due rows: the largest size under a second on SQLite, and at most
    MAX_RATIO times the smallest on each backend."""
    lines: list[str] = []
    for backend in dict.fromkeys(r.backend for r in results):
        rows = [r for r in results if r.backend == backend and r.label != "same due"]
        small, large = rows[0], rows[-1]
        if backend == "sqlite":
            ok = large.median < UNDER_A_SECOND
            lines.append(
                f"sqlite: {large.cities} cities in {large.median:.3f} s; aim < {UNDER_A_SECOND:.1f} s "
                + ("met" if ok else "NOT met")
            )
        if large is not small:
            ratio = large.median / small.median
            lines.append(
                f"{backend}: {large.cities}/{small.cities} = {ratio:.2f}x; aim <= {MAX_RATIO:.1f}x "
                + ("met" if ratio <= MAX_RATIO else "NOT met")
                + f" ({large.due}/{small.due} deadlines due: {large.due / small.due:.0f}x the work)"
            )
            same = [r for r in results if r.backend == backend and r.label == "same due" and r.cities == large.cities]
            if same:
                lines.append(
                    f"{backend}: with {same[0].due} due in both, {large.cities}/{small.cities} = "
                    f"{same[0].median / small.median:.2f}x (the table size alone)"
                )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the chosen backends and print the table.

    Exit status 1 when a sweep did other than fire each due rung once with its messages, or when the
    one backend asked for could not be reached (with both, an unreachable PostgreSQL is reported and
    skipped).
    """
    args = arguments(argv)
    began = time.perf_counter()
    names = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results: list[Result] = []
    failed = False
    for name in names:
        with tempfile.TemporaryDirectory(prefix="jalon-bench-") as tmp:
            try:
                results += bench(name, args, Path(tmp))
            except Unreachable as exc:
                print(f"[{name}] skipped: {exc}", file=sys.stderr)
                failed = failed or args.backend != "both"
    if results:
        print()
        print(
            f"{'backend':<10}{'cities':>8}  {'sweep':<9}{'due':>6}{'messages':>10}{'median s':>10}"
            f"{'min s':>8}{'ms/due':>8}{'vs smallest':>13}{'setup s':>9}"
        )
        for r in results:
            base = next(b for b in results if b.backend == r.backend)
            print(
                f"{r.backend:<10}{r.cities:>8}  {r.label:<9}{r.due:>6}{r.messages:>10}{r.median:>10.3f}"
                f"{min(r.times):>8.3f}{1000 * r.median / r.due:>8.2f}{r.median / base.median:>12.2f}x{r.setup:>9.1f}"
            )
        print(f"\nmedian of {args.repeat} timed sweeps after a warm-up; batch {args.batch}.")
        for line in verdicts(results):
            print(line)
        for r in results:
            for problem in r.problems:
                print(f"  ! {r.backend} {r.cities} ({r.label}): {problem}")
                failed = True
    print(f"\ntotal run time {time.perf_counter() - began:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
