"""Server-side time to render the board for 1,000 cities: GET / through the FastAPI app, in process.

Setup: the sample programme and 988 more cities imported with the real importer (each with its stage deadline,
its alarms, and a varied stage: a third confirmed, a third contracting), and a coach signed in with a real
session cookie. Timed: the whole request through Starlette's test client (routing, the session check, the
engine's board query, the Jinja2 template, the response), after a warm-up; the figure is the median of
--repeat requests. The aim: under 100 ms.

    .venv/bin/python bench/board.py [--backend sqlite|postgres|both] [--cities 1000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from backends import BENCH_DATABASE, Unreachable, postgres_engine, sqlite_engine
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from engine import act
from engine.access.tokens import Signer
from engine.intake.importers import import_cities, import_people
from engine.intake.programme import load
from models import City, Person
from models.db import make_sessions
from web.app import create_app
from web.auth import SESSION

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
START = datetime.now(UTC) - timedelta(days=40)
SECRETARIAT = "claire.martin@aston.example.org"
DEFAULT_POSTGRES = f"postgresql+psycopg://postgres@127.0.0.1:5432/{BENCH_DATABASE}"
AIM_MS = 100.0


def populate(engine: Engine, folder: Path, total: int) -> None:
    """The sample programme and `total - 12` more cities, a third confirmed and a third in contracting."""
    sessions = make_sessions(engine)
    load(sessions, EXAMPLES / "programme.yaml", at=START)
    import_cities(sessions, EXAMPLES / "cities.csv", at=START)
    path = folder / "cities.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "country", "timezone", "languages"])
        for i in range(1, total - 11):
            w.writerow([f"B{i:05d}", f"Bench City {i}", ("FR", "ML", "MZ")[i % 3], "Europe/Paris", "fr;en"])
    import_cities(sessions, path, at=START)
    import_people(sessions, EXAMPLES / "people.csv", at=START)
    with sessions() as s:
        codes = list(s.scalars(select(City.code).where(City.code.like("B0%")).order_by(City.code)))
    at = START
    for i, code in enumerate(codes):
        steps = ("confirm", "send_contract")[: i % 3]
        for trigger in steps:
            at += timedelta(seconds=1)
            act(sessions, code, trigger, SECRETARIAT, at=at)


def bench(name: str, engine: Engine, args: argparse.Namespace, folder: Path) -> dict[str, float]:
    """The median and 95th percentile request times, in milliseconds."""
    populate(engine, folder, args.cities)
    sessions = make_sessions(engine)
    signer = Signer("bench-secret-bench-secret-bench-secret-42")
    app = create_app(sessions, signer, "http://bench", lambda: None)
    client = TestClient(app)
    with sessions() as s:
        coach = s.scalar(select(Person.id).where(Person.email == "amadou.traore@coach.example.org"))
    client.cookies.set(
        SESSION, signer.sign("session", {"person": coach}, at=datetime.now(UTC), lasts=timedelta(hours=1))
    )
    first = client.get("/")
    if first.status_code != 200 or first.text.count("<tr>") < args.cities:
        raise SystemExit(f"{name}: the board did not show {args.cities} cities ({first.status_code})")
    times = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        client.get("/")
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return {"median": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1], "bytes": len(first.content)}


def main(argv: list[str] | None = None) -> int:
    """Print the figures and whether the aim is met."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--cities", type=int, default=1000)
    p.add_argument("--repeat", type=int, default=30)
    p.add_argument("--postgres-url", default=os.environ.get("JALON_BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    args = p.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.backend in ("sqlite", "both"):
            results["sqlite"] = bench("sqlite", sqlite_engine(folder / "bench.db"), args, folder)
        if args.backend in ("postgres", "both"):
            try:
                results["postgres"] = bench("postgres", postgres_engine(args.postgres_url), args, folder)
            except Unreachable as exc:
                print(f"postgres: skipped: {exc}", file=sys.stderr)
    print(f"{'backend':<10} {'cities':>6} {'median ms':>10} {'p95 ms':>8} {'page KB':>8}  aim < {AIM_MS:.0f} ms")
    for name, r in results.items():
        verdict = "met" if r["median"] < AIM_MS else "NOT met"
        print(f"{name:<10} {args.cities:>6} {r['median']:>10.1f} {r['p95']:>8.1f} {r['bytes'] / 1024:>8.0f}  {verdict}")
    return 0 if results and all(r["median"] < AIM_MS for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
