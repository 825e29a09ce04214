"""Messages per second from the outbox to a local SMTP server: engine.deliver.deliver against `jalon mail-sink`.

Setup: the sample programme loaded with the importers, every city confirmed, sent and signed a contract
through engine.act (real messages of several kinds: selection notice, welcome, contract sent, contract signed),
then those rows copied, each under a key of its own, up to --messages rows. The mail server is `jalon mail-sink`
in a process of its own on loopback, writing each message to a file, as the demo and a newcomer use it.

Timed: one deliver() call that sends every row (claims in batches of --batch, one SMTP connection per batch,
each message rendered in its reader's language, composed ahead on a thread, sent, and marked sent in its own
commit, one UPDATE). Between runs every row is put back to pending and the sink's folder emptied. The figure is
the median of the runs. On PostgreSQL the benchmark keeps to a schema of its own (bench_deliver).
A second figure times rendering and composing (to the bytes on the wire) alone (no database, no network), to
show where time goes.

The aim: 300 messages per second or more, for 1,000 messages as for 10,000 (issue 11).

    .venv/bin/python bench/deliver.py [--backend sqlite|postgres|both] [--messages 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from backends import BENCH_DATABASE, OUTBOX, Unreachable, sqlite_engine
from sqlalchemy import Engine, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from engine import act
from engine.intake.importers import import_cities, import_people
from engine.intake.programme import load
from engine.outgoing import deliver, email_channel
from models import City, OutboxMessage, Person
from models.db import make_engine, make_sessions, upgrade
from models.settings import Settings
from notifications.catalogue import KINDS
from notifications.channels import Address, Outgoing
from notifications.context import Lookups
from notifications.email import compose
from notifications.render import render

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SECRETARIAT = "claire.martin@aston.example.org"
DEFAULT_POSTGRES = f"postgresql+psycopg://postgres@127.0.0.1:5432/{BENCH_DATABASE}"
AIM = 300.0


def populate(engine: Engine, total: int) -> int:
    """Real messages from real acts, copied up to `total` rows; returns the number of rows."""
    sessions = make_sessions(engine)
    load(sessions, EXAMPLES / "programme.yaml", at=START)
    import_cities(sessions, EXAMPLES / "cities.csv", at=START)
    import_people(sessions, EXAMPLES / "people.csv", at=START)
    with sessions() as s:
        codes = list(s.scalars(select(City.code).order_by(City.code)))
    at = START
    for code in codes:
        for trigger, data in (
            ("confirm", {}),
            ("send_contract", {}),
            ("sign_contract", {"amount": "10000", "currency": "EUR"}),
        ):
            at += timedelta(minutes=1)
            act(sessions, code, trigger, SECRETARIAT, at=at, data=data)
    with engine.begin() as conn:
        columns = [c for c in OUTBOX.c if c.name != "id"]
        real = [dict(r._mapping) for r in conn.execute(select(*columns).where(OUTBOX.c.channel == "email"))]
        copies = [
            {**real[i % len(real)], "key": f"bench:{i}:{real[i % len(real)]['key']}"} for i in range(total - len(real))
        ]
        if copies:
            conn.execute(insert(OUTBOX), copies)
    return max(total, len(real))


SCHEMA = "bench_deliver"


def postgres_engine(server: str) -> Engine:
    """A schema of this benchmark's own in the jalon_bench database, new and migrated: the other benchmarks, which
    renew the public schema, may run at the same time without either dropping the other's tables."""
    url = make_url(server).set(database=BENCH_DATABASE)
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
        raise Unreachable(
            f"PostgreSQL is not reachable at {url.render_as_string(hide_password=True)}: {reason}"
        ) from None
    finally:
        admin.dispose()
    plain = url.render_as_string(hide_password=False)
    with make_engine(plain).begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"))
    engine = make_engine(plain, connect_args={"options": f"-csearch_path={SCHEMA}"})
    upgrade(engine)
    return engine


def reset(engine: Engine) -> None:
    """Every email row back to pending, as if never sent."""
    with engine.begin() as conn:
        conn.execute(
            update(OUTBOX)
            .where(OUTBOX.c.channel == "email")
            .values(
                state="pending",
                attempts=0,
                next_attempt_at=START,
                sent_at=None,
                failed_at=None,
                answer=None,
                last_error=None,
                claimed_until=None,
                claimed_by=None,
            )
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_sink(folder: Path, port: int) -> subprocess.Popen[str]:
    """`jalon mail-sink` in its own process; returns once it accepts connections."""
    sink = subprocess.Popen(
        [sys.executable, "-m", "cli", "mail-sink", "--dir", str(folder), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    give_up = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return sink
        except OSError:
            if time.monotonic() > give_up or sink.poll() is not None:
                raise SystemExit(f"the mail sink did not start: {sink.stderr.read() if sink.stderr else ''}") from None
            time.sleep(0.1)


def render_only(engine: Engine, count: int) -> float:
    """Messages per second rendered and composed, without the database writes or the network."""
    sessions = make_sessions(engine)
    sender = Address("Jalon", "jalon@aston.example.org")
    with sessions() as s:
        rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email").limit(count)))
        people = {p.id: p for p in s.scalars(select(Person))}
        looks = Lookups(s)
        contexts = [(r, looks.context(r, people[r.recipient_id or 0], KINDS[r.kind])[0]) for r in rows]
    began = time.perf_counter()
    for row, context in contexts:
        rendered = render(row.kind, context["lang"], context)
        person = people[row.recipient_id or 0]
        compose(Outgoing(row.key, f"<{row.id}@b>", Address(person.name, person.email), rendered, START), sender)
    return len(contexts) / (time.perf_counter() - began)


def bench(name: str, engine: Engine, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """One backend: the rate of the median run, and of rendering alone."""
    total = populate(engine, args.messages)
    port = free_port()
    mail = folder / f"mail-{name}"
    sink = start_sink(mail, port)
    rates = []
    try:
        channel = email_channel(Settings(smtp_port=port, mail_from="Jalon <jalon@aston.example.org>"))
        sessions = make_sessions(engine)
        for _ in range(args.repeat):
            reset(engine)
            shutil.rmtree(mail, ignore_errors=True)
            mail.mkdir()
            began = time.perf_counter()
            report = deliver(sessions, START + timedelta(days=1), channel, batch=args.batch)
            seconds = time.perf_counter() - began
            files = len(list(mail.glob("*.eml")))
            if report.count("sent") != total or files != total:
                raise SystemExit(f"{name}: sent {report.count('sent')} of {total}, {files} files; the run is void")
            rates.append(total / seconds)
    finally:
        sink.terminate()
        sink.wait(timeout=30)
    return {"backend": name, "messages": total, "rate": statistics.median(rates), "render": render_only(engine, 500)}


def main(argv: list[str] | None = None) -> int:
    """Run, print a table, and say whether the aim is met."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--messages", type=int, default=1000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--postgres-url", default=os.environ.get("JALON_BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    args = p.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.backend in ("sqlite", "both"):
            results.append(bench("sqlite", sqlite_engine(folder / "bench.db"), args, folder))
        if args.backend in ("postgres", "both"):
            try:
                results.append(bench("postgres", postgres_engine(args.postgres_url), args, folder))
            except Unreachable as exc:
                print(f"postgres: skipped: {exc}", file=sys.stderr)
    print(f"{'backend':<10} {'messages':>8} {'sent/s':>8} {'render+compose/s':>17}  aim {AIM:.0f}/s")
    for r in results:
        verdict = "met" if r["rate"] >= AIM else "NOT met"
        print(f"{r['backend']:<10} {r['messages']:>8} {r['rate']:>8.1f} {r['render']:>17.1f}  {verdict}")
    return 0 if results and all(r["rate"] >= AIM for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
