"""`jalon demo`, the main job, as a newcomer runs it: what it prints, the messages it leaves, the report it writes."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.policy import default as DEFAULT_POLICY
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cli.main import app
from engine import database
from models import City, OutboxMessage, Person
from models.db import make_engine, make_sessions

Play = Callable[..., str]
SET_BY_DEMO = (
    "JALON_DATABASE_URL",
    "JALON_SMTP_HOST",
    "JALON_SMTP_PORT",
    "JALON_SMTP_SECURITY",
    "JALON_MAIL_FROM",
    "PREFECT_SERVER_ANALYTICS_ENABLED",
    "PREFECT_LOGGING_LEVEL",
)


@pytest.fixture
def play(monkeypatch: pytest.MonkeyPatch) -> Iterator[Play]:
    """`jalon demo` through its command line, in this process, on a temporary Prefect API of the test's own (one
    server for the test, not one per run); what it prints. The demo's settings are put back afterwards.

    Not the session's API of the flow tests: event ids are the cities' trail positions (event:BKO:3), so a demo's
    events on that API would stand in for theirs."""
    from prefect.testing.utilities import prefect_test_harness

    for name in (*SET_BY_DEMO, "PREFECT_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "120")

    def run(folder: Path, *args: str) -> str:
        done = CliRunner().invoke(app, ["demo", "--out", str(folder / "demo"), *args])
        assert done.exit_code == 0, f"{done.output}\n{done.exception!r}"
        database.engine().dispose()
        return done.stdout

    with prefect_test_harness(server_startup_timeout=120):
        yield run
    database.engine.cache_clear()


def languages(mail: Path) -> Counter[str]:
    return Counter(
        str(message_from_bytes(p.read_bytes(), policy=DEFAULT_POLICY)["Content-Language"]) for p in mail.glob("*.eml")
    )


LEAD = "claire.martin@aston.example.org"  # the secretariat's lead


def sent(demo: Path) -> list[tuple[str, str, str, str | None]]:
    """Every email the demo sent: its kind, reader, Message-ID and the zone of the city it is about."""
    sessions = make_sessions(make_engine(f"sqlite:///{demo / 'jalon.db'}"))
    with sessions() as s:
        rows = s.execute(
            select(OutboxMessage.kind, Person.email, OutboxMessage.message_id, City.timezone)
            .join(Person, Person.id == OutboxMessage.recipient_id)
            .outerjoin(City, City.id == OutboxMessage.city_id)
            .where(OutboxMessage.channel == "email", OutboxMessage.state == "sent")
        )
        return [(kind, email, str(mid), zone) for kind, email, mid, zone in rows]


def test_the_demo_plays_eighteen_months_and_shows_what_happened(play: Play, tmp_path: Path) -> None:
    """The board, the folder of messages in three languages, the timeline report, and the way into Prefect's UI."""
    printed = play(tmp_path)
    for month in ("2026-01", "2026-12", "2027-06"):
        assert re.search(rf"^{month}\s+acts", printed, re.MULTILINE), f"no progress line for {month}"
    board = printed[printed.index("┏") : printed.index("┘")]
    for code, stage in (("STL", "Declined"), ("NKC", "Withdrawn"), ("BIZ", "Completed")):
        assert re.search(rf"{code}\s+│\s+{stage}", board), f"{code} should be {stage}"
    assert "Experimenting" in board
    mail = tmp_path / "demo" / "mail"
    by_language = languages(mail)
    assert set(by_language) == {"en", "fr", "pt"} and min(by_language.values()) > 20
    subjects = " ".join(
        str(message_from_bytes(p.read_bytes(), policy=DEFAULT_POLICY)["Subject"]) for p in mail.glob("*.eml")
    )
    assert "Matola" in subjects and "sélectionnée" in subjects and "subvenção" in subjects
    report = (tmp_path / "demo" / "report.html").read_text(encoding="utf-8")
    assert "<svg" in report and report.count("<rect") > 50 and "Selection to start" in report
    for name in ("Bamako", "Matola", "Saint-Louis"):
        assert name in report
    assert "prefect server start" in printed and "http://127.0.0.1:4200" in printed
    messages = sent(tmp_path / "demo")
    # Issue 12: the lead had 228 messages over the 18 months; a third at most now, none of them a lone alarm
    # about a city already late (the digest lists those), none news of its own acts.
    lead = Counter(kind for kind, email, _, _ in messages if email == LEAD)
    assert sum(lead.values()) <= 76, lead
    assert lead["weekly_digest"] < 79 and not {"alarm.silent", "tranche_paid", "first_payment", "paused"} & set(lead)
    # Each reminder to a city team left at 09:00 in its city, and says so in its Date.
    dated = {
        str(m["Message-ID"]): m["Date"].datetime
        for m in (message_from_bytes(p.read_bytes(), policy=DEFAULT_POLICY) for p in mail.glob("*.eml"))
    }
    reminders = [(mid, zone) for kind, email, mid, zone in messages if kind == "report_due" and zone]
    assert len(reminders) > 20
    for mid, zone in reminders:
        local = dated[mid].astimezone(ZoneInfo(zone))
        assert (local.hour, local.minute) == (9, 0), (mid, dated[mid])


def test_the_same_seed_tells_the_same_story(play: Play, tmp_path: Path) -> None:
    """Two runs with one seed leave the same messages (names carry reader and Message-ID) and the same board."""
    first, second = play(tmp_path / "a", "--months", "3"), play(tmp_path / "b", "--months", "3")
    names = [sorted(p.name for p in (tmp_path / run / "demo" / "mail").glob("*.eml")) for run in ("a", "b")]
    assert names[0] == names[1] and len(names[0]) > 50

    def board(out: str) -> str:
        return out[out.index("┏") : out.index("┘")]

    assert board(first) == board(second)
