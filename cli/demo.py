"""`jalon demo`: the main job. A whole ASToN-like programme, 18 simulated months, run end to end through Prefect."""

from __future__ import annotations

import os
import shutil
import socket
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from cli.common import guarded, out

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
START = "2026-01-05T08:00:00+00:00"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


MARKER = ".jalon-demo"  # a folder the demo made; the only kind it will empty


def _clear(folder: Path) -> None:
    """Start afresh in a folder the demo made before, or in a new or empty one; never anywhere else."""
    from engine.errors import InvalidData

    if folder.exists() and any(folder.iterdir()) and not (folder / MARKER).exists():
        raise InvalidData(f"{folder} is not empty and was not made by `jalon demo`; choose another --out.")
    for name in ("jalon.db", "jalon.db-wal", "jalon.db-shm", "report.html"):
        (folder / name).unlink(missing_ok=True)
    shutil.rmtree(folder / "mail", ignore_errors=True)
    (folder / "mail").mkdir(parents=True)
    (folder / MARKER).touch()


def _languages(folder: Path) -> Counter[str]:
    """How many messages landed in each language (the Content-Language of each .eml)."""
    from email import message_from_bytes
    from email.policy import default as DEFAULT_POLICY

    found: Counter[str] = Counter()
    for path in folder.glob("*.eml"):
        head = path.read_bytes().split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
        found[str(message_from_bytes(head, policy=DEFAULT_POLICY).get("Content-Language", "?"))] += 1
    return found


@guarded
def demo(
    seed: Annotated[int, typer.Option(help="The story's seed: the same seed tells the same story.")] = 7,
    months: Annotated[int, typer.Option(min=1, max=36, help="Simulated months.")] = 18,
    folder: Annotated[Path, typer.Option("--out", help="Where the database, mail and report go.")] = Path("var/demo"),
) -> None:
    """Play a whole programme on a simulated clock: acts, sweeps and deliveries through Prefect flows."""
    began = time.monotonic()
    _clear(folder)
    port = _free_port()
    os.environ.pop("PREFECT_API_URL", None)  # embedded defaults only: never a real server's runs and automations
    os.environ.update(
        {
            "JALON_DATABASE_URL": f"sqlite:///{(folder / 'jalon.db').resolve()}",
            "JALON_SMTP_HOST": "127.0.0.1",
            "JALON_SMTP_PORT": str(port),
            "JALON_SMTP_SECURITY": "none",
            "JALON_MAIL_FROM": "Secrétariat ASToN <secretariat@aston.example.org>",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": os.environ.get("PREFECT_LOGGING_LEVEL", "WARNING"),
            # The embedded server (a subprocess in Prefect 3.9) is stopped when the demo ends, sometimes while
            # it flushes its own run records: it would print tracebacks that say nothing about the demo.
            "PREFECT_SERVER_LOGGING_LEVEL": os.environ.get("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL"),
            # The server writes 18 months of run records into SQLite behind the demo; a longer wait for the file's
            # lock was tried against the closing run's 503 and is NOT enough (3 of 4 clean-clone runs still fail).
            "PREFECT_SERVER_DATABASE_TIMEOUT": os.environ.get("PREFECT_SERVER_DATABASE_TIMEOUT", "60"),
        }
    )
    out.print(
        f"Jalon demo: seed {seed}, {months} months from {START[:10]}; everything goes to {folder}/", soft_wrap=True
    )
    out.print("Starting Prefect's local API and the mail sink (about 15 s) ...")
    from cli.main import board_table
    from cli.report import write
    from engine import database
    from engine.views.queries import status
    from engine.views.timeline import journeys
    from flows.demo import run
    from notifications.sink import start as sink

    database.engine.cache_clear()
    database.init()
    mail = sink(folder / "mail", port=port)
    try:
        cohort, story, end = run(EXAMPLES, START, months, seed)
    finally:
        mail.stop()
    out.print(
        f"Cohort onboarded: {cohort['cities']} cities, {cohort['people']} people, "
        f"{cohort['sent']} selection notices sent."
    )
    sessions = database.sessions()
    out.print(board_table(status(sessions, end), compact=True))
    report = write(
        folder / "report.html",
        journeys(sessions, end),
        datetime.fromisoformat(START),
        end,
        f"ASToN-like programme, {months} simulated months (seed {seed})",
    )
    by_language = _languages(folder / "mail")
    out.print(
        f"{story.get('acts', 0)} acts, "
        f"{story.get('reminders', 0)} reminders and escalations, {sum(by_language.values())} messages: "
        + ", ".join(f"{n} in {lang}" for lang, n in sorted(by_language.items()))
    )
    out.print(f"Messages:  {folder / 'mail'}/ (one .eml per message, in each reader's language)", soft_wrap=True)
    out.print(f"Timeline:  {report}", soft_wrap=True)
    home = os.environ.get("PREFECT_HOME", str(Path.home() / ".prefect"))
    out.print(f"Prefect:   PREFECT_HOME={home} .venv/bin/prefect server start", soft_wrap=True)
    out.print("           then open http://127.0.0.1:4200/runs (every flow and task run of this demo)")
    out.print(f"Done in {time.monotonic() - began:.0f} s.")
