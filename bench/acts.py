"""Acts per second through engine.act, next to raw SQLAlchemy Core doing the same writes.

The load is the secretariat pausing and resuming cities, round-robin, with a clock that moves forward
one second per act. Every path runs on the same database and the same Engine (models.db.make_engine,
so SQLite gets its pragmas and BEGIN IMMEDIATE), in rotating blocks so drift (WAL growth,
checkpoints, autovacuum, a busy machine) falls on all alike. The aim: engine.act at least half as
fast as raw Core.

The raw baseline does, per act, in one transaction: SELECT the city (FOR UPDATE on PostgreSQL),
SELECT the person, SELECT their roles, INSERT the audit event (hash chained with engine.audit.digest),
UPDATE the city (version-checked), INSERT the outbox row, COMMIT. It runs twice: "raw" builds its
statements for each act, as inline Core code would; "prepared" builds them once and only binds
parameters, the floor of what SQLAlchemy costs. What engine.act reads on top (the pinned programme
definition, the roles held elsewhere) is its own cost, and shows in the ratio. Afterwards the script
checks that every path wrote the same audit event and outbox row, and that the audit chain verifies.

    .venv/bin/python bench/acts.py [--backend sqlite|postgres|both] [--acts 2000] [--cities 200]
                                   [--warmup 200] [--rounds 6] [--profile]

PostgreSQL: the server of --postgres-url (or JALON_BENCH_POSTGRES_URL), always in its own database
jalon_bench, created if missing; its schema public is dropped and migrated afresh at each run.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from backends import (
    BENCH_DATABASE,
    CITIES,
    DEADLINES,
    EVENTS,
    OUTBOX,
    PEOPLE,
    ROLES,
    RUNGS,
    VERSIONS,
    Unreachable,
    postgres_engine,
)
from backends import sqlite_engine as fresh_sqlite
from sqlalchemy import Connection, Engine, bindparam, event, func, insert, or_, select, update

from engine import act
from engine.deadlines.calendar import calendar_for
from engine.deadlines.timers import fire_time
from engine.intake.importers import import_cities, import_people
from engine.intake.programme import load
from engine.journey.audit import GENESIS, digest, verify
from models.db import make_sessions
from models.programme import Definition, decoded
from models.types import UTCDateTime
from states import CITY_JOURNEY, Role
from states import lifecycle as j

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SECRETARIAT = "claire.martin@aston.example.org"
REASON = "Benchmark: the city asked for a pause"
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
STEP = timedelta(seconds=1)
DEFAULT_POSTGRES = f"postgresql+psycopg://postgres@127.0.0.1:5432/{BENCH_DATABASE}"
TARGET = 0.5

Acts = list[tuple[str, str, dict[str, Any], datetime]]
"""A block of acts, ready to run: (city code, trigger, data, at)."""
Runner = Callable[[str, str, dict[str, Any], datetime], int]
"""One act on one path; returns the audit event's seq it wrote."""


ACTIVE = frozenset(j.ACTIVE)


# --- the load -------------------------------------------------------------------------------------


@dataclass
class Load:
    """Round-robin over the cities, each visit toggling pause/resume, the clock a second per act."""

    codes: list[str]
    clock: datetime = START
    turn: int = 0
    paused: dict[str, bool] = field(default_factory=dict)

    def block(self, n: int) -> Acts:
        """The next n acts, computed before any timing starts."""
        acts: Acts = []
        for _ in range(n):
            code = self.codes[self.turn % len(self.codes)]
            self.turn += 1
            paused = self.paused.get(code, False)
            self.paused[code] = not paused
            self.clock += STEP
            trigger, data = ("resume", {}) if paused else ("pause", {"reason": REASON})
            acts.append((code, trigger, data, self.clock))
        return acts


def cities_csv(folder: Path, n: int) -> Path:
    """n more cities of the sample programme, as a CSV the importer takes."""
    path = folder / "bench_cities.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "country", "timezone", "languages"])
        for i in range(1, n + 1):
            w.writerow([f"BENCH-{i:05d}", f"Bench City {i}", "FR", "Europe/Paris", "fr;en"])
    return path


def populate(engine: Engine, folder: Path, extra: int) -> list[str]:
    """The sample programme, its cities and people, and extra cities: every city code, sorted."""
    sessions = make_sessions(engine)
    load(sessions, EXAMPLES / "programme.yaml", at=START)
    import_cities(sessions, EXAMPLES / "cities.csv", at=START)
    if extra:
        import_cities(sessions, cities_csv(folder, extra), at=START)
    import_people(sessions, EXAMPLES / "people.csv", at=START)
    with engine.connect() as conn:
        return list(conn.scalars(select(CITIES.c.code).order_by(CITIES.c.code)))


# --- the paths: engine.act, raw Core, prepared Core ----------------------------------------------


def engine_runner(engine: Engine) -> Runner:
    """engine.act, as the CLI calls it."""
    sessions = make_sessions(engine)

    def run(code: str, trigger: str, data: dict[str, Any], at: datetime) -> int:
        return act(sessions, code, trigger, SECRETARIAT, at=at, data=data).version

    return run


def raw_runner(engine: Engine, *, prepared: bool = False) -> Runner:
    """SQLAlchemy Core writing exactly what engine.act writes for pause and resume.

    Statements are built for each act, as code written inline would (prepared=False), or once, up
    front, with bound parameters (prepared=True: the least Python SQLAlchemy lets one spend).
    """
    lock = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        labels = {
            row.id: (f"{row.definition['code']} v{row.number} / {CITY_JOURNEY.version}", row.definition["code"])
            for row in conn.execute(select(VERSIONS.c.id, VERSIONS.c.number, VERSIONS.c.definition))
        }
    find_city = select(CITIES).where(CITIES.c.code == bindparam("code"))
    if lock:
        find_city = find_city.with_for_update()
    find_person = select(PEOPLE).where(PEOPLE.c.email == bindparam("email"))
    find_roles = select(ROLES.c.role).where(
        ROLES.c.person_id == bindparam("person"), or_(ROLES.c.city_id.is_(None), ROLES.c.city_id == bindparam("city"))
    )
    move = update(CITIES).where(CITIES.c.id == bindparam("b_id"), CITIES.c.version == bindparam("b_version"))
    with engine.connect() as conn:
        definitions = {
            id_: decoded(digest, stored)
            for id_, digest, stored in conn.execute(select(VERSIONS.c.id, VERSIONS.c.digest, VERSIONS.c.definition))
        }

    def run(code: str, trigger: str, data: dict[str, Any], at: datetime) -> int:
        actor = SECRETARIAT.strip().lower()
        code = code.strip().upper()
        with engine.begin() as conn:
            if prepared:
                city = conn.execute(find_city, {"code": code}).one()
                person = conn.execute(find_person, {"email": actor}).one()
                roles = set(conn.scalars(find_roles, {"person": person.id, "city": city.id}))
            else:
                query = select(CITIES).where(CITIES.c.code == code)
                city = conn.execute(query.with_for_update() if lock else query).one()
                person = conn.execute(select(PEOPLE).where(PEOPLE.c.email == actor)).one()
                roles = set(
                    conn.scalars(
                        select(ROLES.c.role).where(
                            ROLES.c.person_id == person.id, or_(ROLES.c.city_id.is_(None), ROLES.c.city_id == city.id)
                        )
                    )
                )
            if Role.SECRETARIAT.value not in roles:
                raise RuntimeError(f"{actor} is not secretariat")
            if trigger == "pause" and city.state in ACTIVE:
                to_state, paused_from = j.PAUSED, city.state
            elif trigger == "resume" and city.state == j.PAUSED and city.paused_from:
                to_state, paused_from = city.paused_from, None
            else:
                raise RuntimeError(f"{trigger} is not possible for {code} in {city.state}")
            label, programme = labels[city.definition_id]
            seq: int = city.version + 1
            prev: str = city.last_hash or GENESIS
            sealed = digest(prev, city.code, seq, at, person.email, trigger, city.state, to_state, label, None, data)
            audit_event = {
                "city_id": city.id,
                "seq": seq,
                "at": at,
                "actor_id": person.id,
                "actor": person.email,
                "trigger": trigger,
                "from_state": city.state,
                "to_state": to_state,
                "definition_version": label,
                "note": None,
                "data": data,
                "prev_hash": prev,
                "hash": sealed,
            }
            moved_to = {
                "state": to_state,
                "paused_from": paused_from,
                "state_since": at if to_state != city.state else city.state_since,
                "version": seq,
                "last_hash": sealed,
            }
            message = {
                "key": f"event:{city.code}:{seq}",
                "kind": f"jalon.city.{trigger}",
                "channel": "event",
                "city_id": city.id,
                "recipient_id": None,
                "payload": {
                    "city": city.code,
                    "programme": programme,
                    "from": city.state,
                    "to": to_state,
                    "actor": person.email,
                    "at": at.isoformat(),
                },
                "created_at": at,
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": at,
            }
            timers_follow(conn, city, trigger, at, definitions[city.definition_id])
            tell(conn, city, trigger, person, to_state, data, at)
            if prepared:
                conn.execute(insert(EVENTS), audit_event)
                moved = conn.execute(move, {"b_id": city.id, "b_version": city.version, **moved_to})
                conn.execute(insert(OUTBOX), message)
            else:
                conn.execute(insert(EVENTS).values(**audit_event))
                moved = conn.execute(
                    update(CITIES).where(CITIES.c.id == city.id, CITIES.c.version == city.version).values(**moved_to)
                )
                conn.execute(insert(OUTBOX).values(**message))
            if moved.rowcount != 1:
                raise RuntimeError(f"{code} changed under the raw path")
        return seq

    return run


TOLD = ("city_lead", "city_member", "coach", "secretariat")  # who hears of a pause or a resume (the catalogue)


def tell(
    conn: Connection, city: Any, trigger: str, person: Any, to_state: str, data: dict[str, Any], at: datetime
) -> None:
    """The act's email rows, as engine.notify writes them: readers, the next deadline, one INSERT."""
    readers = list(
        dict.fromkeys(
            conn.scalars(
                select(ROLES.c.person_id)
                .where(ROLES.c.role.in_(TOLD), or_(ROLES.c.city_id == city.id, ROLES.c.city_id.is_(None)))
                .order_by(ROLES.c.person_id)
            )
        )
    )
    due = conn.execute(
        select(DEADLINES.c.subject, DEADLINES.c.due_on)
        .where(DEADLINES.c.city_id == city.id, DEADLINES.c.state == "open", DEADLINES.c.kind.in_(("stage", "report")))
        .order_by(DEADLINES.c.due_on, DEADLINES.c.id)
        .limit(1)
    ).first()
    kind = "paused" if trigger == "pause" else "resumed"
    payload = {
        "trigger": trigger,
        "actor": person.name,
        "actor_email": person.email,
        "note": None,
        "from": city.state,
        "to": to_state,
        "data": data,
        "next_deadline": {"subject": due.subject, "due_on": due.due_on.isoformat()} if due else None,
    }
    rows = [
        {
            "key": f"{kind}:{city.code}:{city.version + 1}:{pid}",
            "kind": kind,
            "channel": "email",
            "city_id": city.id,
            "recipient_id": pid,
            "payload": payload,
            "created_at": at,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": at,
        }
        for pid in readers
    ]
    if rows:
        conn.execute(insert(OUTBOX), rows)


def timers_follow(conn: Connection, city: Any, trigger: str, at: datetime, definition: Definition) -> None:
    """The deadline writes engine.act makes on pause (freeze) and resume (shift, re-plan, silence clock), in Core."""
    if trigger == "pause":
        conn.execute(
            update(DEADLINES)
            .where(DEADLINES.c.city_id == city.id, DEADLINES.c.state == "open")
            .values(frozen_at=at, next_fire_at=None)
        )
        return
    deadlines = conn.execute(select(DEADLINES).where(DEADLINES.c.city_id == city.id, DEADLINES.c.state == "open")).all()
    rungs = conn.execute(
        select(RUNGS).where(RUNGS.c.deadline_id.in_([d.id for d in deadlines]), RUNGS.c.state == "pending")
    ).all()
    cal = calendar_for(city.country, city.timezone)
    moved_deadlines, moved_rungs = [], []
    for d in deadlines:
        due = cal.next_working(d.due_on + timedelta(days=(cal.local_date(at) - cal.local_date(d.frozen_at)).days))
        times = [
            (r.id, fire_time(city, definition, due, r.business_days, r.audience))
            for r in rungs
            if r.deadline_id == d.id
        ]
        moved_rungs += [{"b_id": rid, "b_fire": when} for rid, when in times]
        moved_deadlines.append({"b_id": d.id, "b_due": due, "b_next": min((w for _, w in times), default=None)})
    conn.execute(
        update(DEADLINES)
        .where(DEADLINES.c.id == bindparam("b_id"))
        .values(due_on=bindparam("b_due"), frozen_at=None, next_fire_at=bindparam("b_next", type_=UTCDateTime())),
        moved_deadlines,
    )
    if moved_rungs:
        conn.execute(
            update(RUNGS)
            .where(RUNGS.c.id == bindparam("b_id"))
            .values(fire_at=bindparam("b_fire", type_=UTCDateTime())),
            moved_rungs,
        )
    cal_due = cal.next_working(cal.local_date(at) + timedelta(days=definition.alarms.silent_days))
    fire = fire_time(city, definition, cal_due, 0, "secretariat")
    silent = (
        select(DEADLINES.c.id)
        .where(DEADLINES.c.city_id == city.id, DEADLINES.c.kind == "alarm", DEADLINES.c.subject == "silent")
        .where(DEADLINES.c.state == "open", DEADLINES.c.frozen_at.is_(None))
        .scalar_subquery()
    )
    conn.execute(update(RUNGS).where(RUNGS.c.deadline_id == silent, RUNGS.c.state == "pending").values(fire_at=fire))
    conn.execute(update(DEADLINES).where(DEADLINES.c.id == silent).values(due_on=cal_due, next_fire_at=fire))


# --- measuring ------------------------------------------------------------------------------------


def timed(run: Runner, acts: Acts) -> float:
    """Seconds for running every act in order."""
    start = time.perf_counter()
    for code, trigger, data, at in acts:
        run(code, trigger, data, at)
    return time.perf_counter() - start


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement sent to the driver while inside (pool pings not included)."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def same_writes(engine: Engine, mine: dict[str, tuple[str, int]]) -> list[str]:
    """Differences between the event (and outbox row) engine.act wrote and those each other path wrote."""
    rows: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    with engine.connect() as conn:
        for path, (code, seq) in mine.items():
            city_id = conn.scalar(select(CITIES.c.id).where(CITIES.c.code == code))
            ev = conn.execute(select(EVENTS).where(EVENTS.c.city_id == city_id, EVENTS.c.seq == seq)).one()
            ob = conn.execute(select(OUTBOX).where(OUTBOX.c.key == f"event:{code}:{seq}")).one()
            e = {k: v for k, v in ev._asdict().items() if k not in {"id", "city_id", "seq", "at", "prev_hash", "hash"}}
            o = {k: v for k, v in ob._asdict().items() if k not in {"id", "key", "city_id", "created_at"}}
            o["next_attempt_at"] = o["next_attempt_at"] == ev.at
            o["payload"] = {k: v for k, v in o["payload"].items() if k not in {"city", "at"}}
            rows[path] = (e, o)
    e1, o1 = rows.pop("engine")
    return [
        f"{path} wrote {table}.{k} = {theirs[k]!r}, engine.act {ours[k]!r}"
        for path, (e2, o2) in rows.items()
        for table, ours, theirs in (("audit_events", e1, e2), ("outbox", o1, o2))
        for k in ours
        if ours[k] != theirs[k]
    ]


PATHS = ("engine", "raw", "prepared")


@dataclass(frozen=True)
class Figures:
    """One backend's result: acts per second and SQL statements per act, by path."""

    backend: str
    cities: int
    acts: int
    rate: dict[str, float]
    sql: dict[str, float]
    problems: list[str]

    def ratio(self, baseline: str = "raw") -> float:
        """engine.act's speed as a share of the baseline's."""
        return self.rate["engine"] / self.rate[baseline]


def bench(name: str, engine: Engine, folder: Path, args: argparse.Namespace) -> Figures:
    """Populate, warm up, count statements, then time every path in rotating blocks."""
    print(f"[{name}] loading the sample programme and {args.cities} extra cities ...", flush=True)
    codes = populate(engine, folder, args.cities)
    runners = {
        "engine": engine_runner(engine),
        "raw": raw_runner(engine),
        "prepared": raw_runner(engine, prepared=True),
    }
    work = Load(codes)

    print(f"[{name}] warming up ({args.warmup} acts per path) ...", flush=True)
    for run in runners.values():
        timed(run, work.block(args.warmup))

    sql: dict[str, float] = {}
    last: dict[str, tuple[str, int]] = {}
    sample = 2 * len(codes)  # every city paused and resumed once: both triggers, every city
    for path, run in runners.items():
        acts = work.block(sample)
        with statements(engine) as seen:
            for code, trigger, data, at in acts:
                seq = run(code, trigger, data, at)
                if trigger == "pause":
                    last[path] = (code, seq)
        sql[path] = len(seen) / sample

    print(f"[{name}] timing {args.acts} acts per path in {args.rounds} rotating rounds ...", flush=True)
    spent = dict.fromkeys(PATHS, 0.0)
    sizes = [args.acts // args.rounds + (1 if r < args.acts % args.rounds else 0) for r in range(args.rounds)]
    ratios: list[str] = []
    for r, size in enumerate(sizes):
        order = PATHS[r % len(PATHS) :] + PATHS[: r % len(PATHS)]
        took = {path: timed(runners[path], work.block(size)) for path in order}
        for path, seconds in took.items():
            spent[path] += seconds
        ratios.append(f"{took['raw'] / took['engine']:.2f}")
    print(f"[{name}] engine/raw per round: {' '.join(ratios)}", flush=True)

    profiled = min(args.acts, 1000) if args.profile else 0
    if profiled:
        profile(name, engine, runners["engine"], work.block(profiled))

    problems = same_writes(engine, last)
    with make_sessions(engine)() as s:
        problems += [str(f) for f in verify(s)]
        events = s.scalar(select(func.count()).select_from(EVENTS)) or 0
    expected = len(codes) + len(PATHS) * (args.warmup + sample + args.acts) + profiled
    if events != expected:
        problems.append(f"{events} audit events, expected {expected}")
    rate = {path: args.acts / seconds for path, seconds in spent.items()}
    return Figures(name, len(codes), args.acts, rate, sql, problems)


def profile(name: str, engine: Engine, run: Runner, acts: Acts) -> None:
    """Where engine.act spends its time: cProfile, and the statements of one act."""
    with statements(engine) as seen:
        run(*acts[0])
    print(f"\n[{name}] statements of one engine.act ({acts[0][1]}):")
    for s in seen:
        print(f"    {s[:150]}")
    prof = cProfile.Profile()
    prof.enable()
    for a in acts[1:]:
        run(*a)
    prof.disable()
    for key in ("tottime", "cumulative"):
        print(f"\n[{name}] engine.act x{len(acts) - 1}, top functions by {key}:")
        pstats.Stats(prof, stream=sys.stdout).strip_dirs().sort_stats(key).print_stats(25)


# --- backends -------------------------------------------------------------------------------------


def sqlite_engine(folder: Path) -> Engine:
    """A fresh SQLite file, migrated to head."""
    return fresh_sqlite(folder / "bench.db")


def arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--acts", type=int, default=2000, help="timed acts per path (default 2000)")
    p.add_argument("--cities", type=int, default=200, help="cities added to the sample's (default 200)")
    p.add_argument("--warmup", type=int, default=200, help="untimed acts per path first (default 200)")
    p.add_argument("--rounds", type=int, default=6, help="rotating blocks per path (default 6)")
    p.add_argument(
        "--postgres-url",
        default=os.environ.get("JALON_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help=f"PostgreSQL server; the database is always {BENCH_DATABASE}",
    )
    p.add_argument("--profile", action="store_true", help="also cProfile engine.act and print the top functions")
    args = p.parse_args(argv)
    if args.acts < 1 or args.cities < 0 or args.warmup < 0 or not 1 <= args.rounds <= args.acts:
        p.error("--acts >= 1, --cities >= 0, --warmup >= 0, 1 <= --rounds <= --acts")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the chosen backends and print the table.

    Exit status 1 when a path wrote something else than engine.act, or when the one backend asked
    for could not be reached (with both, an unreachable PostgreSQL is reported and skipped).
    """
    args = arguments(argv)
    names = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results: list[Figures] = []
    failed = False
    for name in names:
        with tempfile.TemporaryDirectory(prefix="jalon-bench-") as tmp:
            folder = Path(tmp)
            try:
                engine = sqlite_engine(folder) if name == "sqlite" else postgres_engine(args.postgres_url)
            except Unreachable as exc:
                print(f"[{name}] skipped: {exc}", file=sys.stderr)
                failed = failed or args.backend != "both"
                continue
            try:
                results.append(bench(name, engine, folder, args))
            finally:
                engine.dispose()
    if results:
        print()
        print(
            f"{'backend':<10}{'cities':>7}{'acts':>6}{'engine/s':>10}{'raw/s':>8}{'ratio':>7}"
            f"{'prepared/s':>12}{'ratio':>7}  statements/act engine/raw/prepared"
        )
        for f in results:
            print(
                f"{f.backend:<10}{f.cities:>7}{f.acts:>6}{f.rate['engine']:>10.1f}{f.rate['raw']:>8.1f}"
                f"{f.ratio('raw'):>7.2f}{f.rate['prepared']:>12.1f}{f.ratio('prepared'):>7.2f}  "
                + "/".join(f"{f.sql[p]:.1f}" for p in PATHS)
            )
        print(
            "\nraw: Core statements built for each act; prepared: built once, bound parameters only."
            "\nratio: engine.act acts/s divided by the baseline's."
        )
        for f in results:
            verdict = "met" if f.ratio() >= TARGET else "NOT met"
            print(f"{f.backend}: engine.act is {f.ratio():.2f}x raw Core; target >= {TARGET:.2f} {verdict}")
            for problem in f.problems:
                print(f"  ! {problem}")
                failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
