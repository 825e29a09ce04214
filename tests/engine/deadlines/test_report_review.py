"""A submitted report waits on its coach: the review has its own deadline, chases the coach, then the secretariat."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from engine.deadlines.sweep import sweep
from engine.views.digest import weekly_digest
from engine.views.queries import status
from models import City, Deadline, OutboxMessage, Person, Rung
from support import COACH_BKO, LEAD_BKO, Network

SUBMITTED = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)  # Wednesday 1 April, before the first report falls due


def submitted(network: Network) -> None:
    """Bamako is awarded its grant in January and sends its first quarterly report on 1 April."""
    network.clock = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    network.walk("BKO", "pay_tranche")
    network.clock = SUBMITTED
    network.act("BKO", "submit_report", LEAD_BKO, summary="Quarter one: 40 vendors on the open data portal")


def review(network: Network) -> tuple[str, date, str, list[str]]:
    """The review deadline of report no. 1: its state, due date and the audiences of its ladder, in order."""
    with network.sessions() as s:
        d = s.scalars(
            select(Deadline)
            .join(City, City.id == Deadline.city_id)
            .where(City.code == "BKO", Deadline.subject == "report_review_1")
        ).one()
        audiences = list(s.scalars(select(Rung.audience).where(Rung.deadline_id == d.id).order_by(Rung.seq)))
        return d.kind, d.due_on, d.state, audiences


def test_submitting_a_report_opens_its_review_with_the_coach_chased_first(network: Network) -> None:
    submitted(network)
    kind, due_on, state, audiences = review(network)
    # Ten business days in Mali from Wednesday 1 April, Easter Monday (6 April) off: Thursday 16 April.
    assert (kind, due_on, state) == ("report", date(2026, 4, 16), "open")
    assert audiences[0] == "coach" and "city" not in audiences and "mayor" not in audiences
    assert audiences[-1] == "secretariat"
    board = {r.city: r for r in status(network.sessions, datetime(2026, 4, 20, 12, tzinfo=UTC))}
    assert (board["BKO"].deadline, board["BKO"].mark) == (date(2026, 4, 16), "late")  # no longer "—"


def test_approving_the_report_closes_its_review(network: Network) -> None:
    submitted(network)
    network.act("BKO", "approve_report", COACH_BKO)
    assert review(network)[2] == "met"


def test_asking_for_changes_closes_the_review_and_the_city_owes_the_report_again(network: Network) -> None:
    submitted(network)
    network.clock = datetime(2026, 4, 3, 9, 0, tzinfo=UTC)  # Friday 3 April
    network.act("BKO", "request_report_changes", COACH_BKO, changes="Add the vendors' numbers")
    assert review(network)[2] == "met"
    with network.sessions() as s:
        owed = s.execute(
            select(Deadline.subject, Deadline.due_on)
            .join(City, City.id == Deadline.city_id)
            .where(City.code == "BKO", Deadline.state == "open", Deadline.kind == "report")
        ).all()
    # ten working days in Bamako, Easter Monday (6 April) off: the span its review had
    assert [(o.subject, o.due_on) for o in owed] == [("periodic_report_1", date(2026, 4, 20))]


def test_a_late_review_reminds_the_coach_then_escalates_to_the_secretariat(network: Network) -> None:
    submitted(network)
    told: list[tuple[int, str]] = []
    at = SUBMITTED
    for _ in range(60):
        at += timedelta(days=1)
        told += [
            (f.business_days, f.audience)
            for f in sweep(network.sessions, at).fired
            if f.subject.startswith("report_review_")
        ]
    assert told[0] == (-5, "coach")
    assert (20, "secretariat") in told
    with network.sessions() as s:
        kinds = set(
            s.scalars(
                select(OutboxMessage.kind)
                .join(Person, Person.id == OutboxMessage.recipient_id)
                .where(Person.email == COACH_BKO, OutboxMessage.payload["subject"].as_string() == "report_review_1")
            )
        )
    assert "deadline.reminder" in kinds  # the coach is reminded, as for a stage waiting on them


def test_the_digest_lists_the_city_as_waiting_on_its_coach_by_name(network: Network) -> None:
    submitted(network)
    monday = datetime(2026, 4, 27, 7, 0, tzinfo=UTC)
    weekly_digest(network.sessions, monday)
    with network.sessions() as s:
        payload = s.scalars(select(OutboxMessage.payload).where(OutboxMessage.kind == "weekly_digest")).first()
        coach = s.scalar(select(Person.name).where(Person.email == COACH_BKO))
    assert payload is not None and coach
    bamako = next(c for c in payload["cities"] if c["name"] == "Bamako")
    assert bamako["subject"] == "report_review_1" and bamako["due_on"] == "2026-04-16"
    assert bamako["late_by"] > 0
    assert (bamako["waits_on"], bamako["who"]) == ("coach", coach)
