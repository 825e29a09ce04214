"""Seconds and peak memory of the people importer at 10,000 and 100,000 rows, and of refusing a 100 MB file.

Setup per size and backend: a fresh database (a SQLite file, or PostgreSQL's `jalon_bench`, emptied first), the
sample programme, and a file of --cities cities imported. Timed: `import_people` on a generated people file, in a
child process of its own, so its peak resident memory (getrusage ru_maxrss) is the import's and not the bench's;
the child's resident memory before the import (Python, SQLAlchemy, the engine loaded) is printed too, and the
difference is what the import itself cost. The people file gives each city a coach (through the door, audited),
a lead and members, and a few people network-wide roles; every tenth person has no role. Last, people files of
about 100 MB (over the size limit) and 45 MB (under it, over the row limit) are imported on each backend and must
be refused; their time and peak memory are printed the same way.
The aim: time linear in rows, memory bounded whatever the file's size.

    .venv/bin/python bench/imports.py [--backend sqlite|postgres|both] [--sizes 10000,100000] [--cities 1000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from backends import BENCH_DATABASE, Unreachable, postgres_engine, sqlite_engine
from sqlalchemy import Engine

from engine.errors import BadInput
from engine.intake.importers import import_cities, import_people
from engine.intake.programme import load
from models.db import make_engine, make_sessions

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
AT = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
DEFAULT_POSTGRES = f"postgresql+psycopg://postgres@127.0.0.1:5432/{BENCH_DATABASE}"
BIG_MB = "100,45"  # over the size limit, and under it but over the row limit


def cities_file(path: Path, count: int) -> Path:
    """count cities, codes C0001..., in three countries."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "country", "timezone", "languages"])
        for i in range(count):
            w.writerow([f"C{i:04d}", f"Bench City {i}", ("FR", "ML", "MZ")[i % 3], "Europe/Paris", "fr;en"])
    return path


def people_file(path: Path, rows: int, cities: int) -> Path:
    """rows people: the first `cities` coach one city each, then leads and members; some network-wide roles."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["email", "name", "language", "roles", "timezone"])
        for i in range(rows):
            code = f"C{i % cities:04d}"
            if i < cities:
                roles = f"coach@{code}"
            elif i < 2 * cities:
                roles = f"city_lead@{code};city_member@{code}"
            elif i % 10 == 0:
                roles = ""
            elif i % 97 == 0:
                roles = "committee_member@" + code if i % 2 else "finance"
            else:
                roles = f"city_member@{code}"
            w.writerow([f"person{i}@bench.example.org", f"Person {i}", ("fr", "en", "")[i % 3], roles, ""])
    return path


def big_file(path: Path, megabytes: int) -> Path:
    """A people file of about `megabytes` MB: far more rows than an import takes."""
    line = "person{}@bench.example.org,Person {},fr,city_member@C0001,\n"
    with path.open("w", encoding="utf-8") as f:
        f.write("email,name,language,roles,timezone\n")
        i = 0
        while f.tell() < megabytes * 1024 * 1024:
            f.write("".join(line.format(j, j) for j in range(i, i + 10_000)))
            i += 10_000
    return path


def child(url: str, kind: str, path: str) -> None:
    """Run one import in this process and print its figures as JSON (called as a child of the bench)."""
    engine = make_engine(url)
    sessions = make_sessions(engine)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.perf_counter()
    outcome: object
    try:
        run = import_people if kind == "people" else import_cities
        outcome = list(run(sessions, Path(path), at=AT))
    except BadInput as exc:
        outcome = f"refused: {len(exc.problems)} problem(s), first: {exc.problems[0]}"
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    engine.dispose()
    print(json.dumps({"seconds": seconds, "before_kb": before, "peak_kb": peak, "outcome": outcome}))


def timed(url: str, kind: str, path: Path) -> dict[str, object]:
    """One import in a child process: its seconds, resident memory before and at peak, and what it said."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, kind, str(path)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
    )
    if done.returncode != 0:
        raise SystemExit(f"the import of {path.name} failed:\n{done.stderr}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def fresh(name: str, folder: Path, server: str, tag: str) -> tuple[Engine, str]:
    """A new, migrated database and its URL."""
    if name == "sqlite":
        path = folder / f"bench-{tag}.db"
        path.unlink(missing_ok=True)
        engine = sqlite_engine(path)
    else:
        engine = postgres_engine(server)
    return engine, engine.url.render_as_string(hide_password=False)


def report(backend: str, what: str, r: dict[str, object]) -> None:
    """One line of figures."""
    seconds, before, peak = float(str(r["seconds"])), int(str(r["before_kb"])), int(str(r["peak_kb"]))
    print(
        f"{backend:<9} {what:<22} {seconds:>9.2f} {peak / 1024:>9.0f} {(peak - before) / 1024:>9.0f}  {r['outcome']}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    """Print a line per backend and size, then the refusal of the big file."""
    if argv is None and len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(*sys.argv[2:])
        return 0
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--sizes", default="10000,100000", help="people per file, comma-separated")
    p.add_argument("--cities", type=int, default=1000)
    p.add_argument("--big-mb", default=BIG_MB, help="sizes of the files that must be refused, comma-separated")
    p.add_argument("--postgres-url", default=os.environ.get("JALON_BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    args = p.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x]
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    print(f"{'backend':<9} {'import':<22} {'seconds':>9} {'peak MB':>9} {'+MB':>9}  outcome", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cities = cities_file(folder / "cities.csv", args.cities)
        files = {n: people_file(folder / f"people-{n}.csv", n, args.cities) for n in sizes}
        bigs = [big_file(folder / f"big-{mb}.csv", int(mb)) for mb in args.big_mb.split(",") if mb]
        for backend in backends:
            try:
                for n, path in files.items():
                    engine, url = fresh(backend, folder, args.postgres_url, str(n))
                    load(make_sessions(engine), EXAMPLES / "programme.yaml", at=AT)
                    engine.dispose()
                    report(backend, f"{args.cities} cities", timed(url, "cities", cities))
                    report(backend, f"{n} people", timed(url, "people", path))
                for big in bigs:
                    engine, url = fresh(backend, folder, args.postgres_url, "big")
                    load(make_sessions(engine), EXAMPLES / "programme.yaml", at=AT)
                    import_cities(make_sessions(engine), cities, at=AT)
                    engine.dispose()
                    report(backend, f"{big.stat().st_size / 1e6:.0f} MB people", timed(url, "people", big))
            except Unreachable as exc:
                print(f"{backend}: skipped: {exc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
