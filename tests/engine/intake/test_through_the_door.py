"""What the import files change goes through the door: audited, re-planned, and read on each person's own clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.deadlines.sweep import sweep
from engine.intake.importers import import_cities, import_people
from engine.journey.audit import verify
from engine.outgoing import deliver
from engine.views.queries import history
from mail_server import Mailbox, smtp
from models import City, Deadline, OutboxMessage, Person, Rung
from support import COACH_BKO, EXAMPLES, LEAD_BKO, SECRETARIAT, START, Network

LAGOS = ZoneInfo("Africa/Lagos")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def city_rungs(network: Network, code: str, subject: str) -> list[datetime]:
    """When the city team's reminders of a deadline will go out."""
    with network.sessions() as s:
        return list(
            s.scalars(
                select(Rung.fire_at)
                .join(Deadline, Deadline.id == Rung.deadline_id)
                .join(City, City.id == Deadline.city_id)
                .where(City.code == code, Deadline.subject == subject, Rung.audience == "city")
                .order_by(Rung.seq)
            )
        )


def test_a_city_reimported_with_a_new_zone_is_audited_and_its_reminders_move(network: Network, tmp_path: Path) -> None:
    before = city_rungs(network, "BKO", "selected")
    assert [r.astimezone(ZoneInfo("Africa/Bamako")).hour for r in before] == [9, 9, 9]
    moved = tmp_path / "cities.csv"
    text = (EXAMPLES / "cities.csv").read_text(encoding="utf-8")
    moved.write_text(text.replace("BKO,Bamako,ML,Africa/Bamako,fr", "BKO,Bamako,ML,Africa/Lagos,fr;en"))

    assert import_cities(network.sessions, moved, at=START + timedelta(days=1)) == (0, 12)

    trail = history(network.sessions, "BKO")
    assert (trail[-1].trigger, trail[-1].by) == ("change_details", "import:cities.csv")
    assert trail[-1].data == {"timezone": "Africa/Lagos", "languages": "fr,en"}
    after = city_rungs(network, "BKO", "selected")
    assert [r.astimezone(LAGOS).hour for r in after] == [9, 9, 9]  # 09:00 in the city's new zone
    assert [a - b for a, b in zip(after, before, strict=True)] == [timedelta(hours=-1)] * 3
    with network.sessions() as s:
        assert verify(s) == []
    assert len(history(network.sessions, "BEN")) == 2  # unchanged cities get no event: joined, its coach


def test_a_terminal_city_is_not_changed_by_an_import(network: Network, tmp_path: Path) -> None:
    network.act("BKO", "decline", LEAD_BKO, reason="Elections")
    moved = tmp_path / "cities.csv"
    moved.write_text((EXAMPLES / "cities.csv").read_text(encoding="utf-8").replace("Africa/Bamako", "Africa/Lagos"))
    try:
        import_cities(network.sessions, moved, at=START + timedelta(days=1))
    except Exception as exc:
        assert "line 2, field 'code'" in str(exc) and "declined" in str(exc)
    else:
        raise AssertionError("a declined city's zone was changed by an import")
    with network.sessions() as s:
        assert s.scalar(select(City.timezone).where(City.code == "BKO")) == "Africa/Bamako"


def test_a_coach_from_the_people_file_appears_in_the_citys_history(network: Network) -> None:
    trail = history(network.sessions, "BKO")
    assert [(e.trigger, e.by) for e in trail[:2]] == [
        ("join", "import:cities.csv"),
        ("assign_coach", "import:people.csv"),
    ]
    assert trail[1].data == {"coach": COACH_BKO}


def test_a_person_with_their_own_zone_gets_a_rung_at_nine_there(
    network: Network, tmp_path: Path, mailbox: Mailbox
) -> None:
    own = tmp_path / "people.csv"
    own.write_text(
        f"email,name,language,roles,timezone\n{COACH_BKO},Amadou Traoré,fr,,America/Sao_Paulo\n",
        encoding="utf-8",
    )
    import_people(network.sessions, own, at=network.tick())
    network.act("BKO", "confirm", LEAD_BKO)
    network.act("BKO", "send_contract", SECRETARIAT)  # contracting waits on the city: its coach is chased at +10
    with network.sessions() as s:
        assert s.scalar(select(Person.timezone).where(Person.email == COACH_BKO)) == "America/Sao_Paulo"
        coach_rung = s.scalar(
            select(Rung.fire_at)
            .join(Deadline, Deadline.id == Rung.deadline_id)
            .join(City, City.id == Deadline.city_id)
            .where(City.code == "BKO", Deadline.subject == "contracting", Rung.audience == "coach")
        )
    assert coach_rung is not None
    deliver(network.sessions, coach_rung - timedelta(minutes=1), smtp(mailbox.port))  # what went before
    already = len(mailbox.messages())
    fired = sweep(network.sessions, coach_rung)  # 09:00 in Paris, where the programme reads
    assert [f.recipients for f in fired.fired if f.audience == "coach" and f.city == "BKO"] == [(COACH_BKO,)]
    with network.sessions() as s:
        held = s.scalar(
            select(OutboxMessage.next_attempt_at)
            .join(City, City.id == OutboxMessage.city_id)
            .where(OutboxMessage.kind == "deadline.escalation.coach", City.code == "BKO")
        )
    assert held is not None and held.astimezone(SAO_PAULO).hour == 9  # held until 09:00 in São Paulo

    deliver(network.sessions, coach_rung, smtp(mailbox.port))
    assert [m for m in mailbox.messages()[already:] if COACH_BKO in str(m["To"])] == []  # not at Paris' 09:00
    deliver(network.sessions, held, smtp(mailbox.port))
    to_coach = [m for m in mailbox.messages()[already:] if COACH_BKO in str(m["To"]) and "Bamako" in str(m["Subject"])]
    assert len(to_coach) == 1
    sent = parsedate_to_datetime(str(to_coach[0]["Date"]))
    assert sent.astimezone(SAO_PAULO).hour == 9  # it reached the coach at nine in the morning, their time
