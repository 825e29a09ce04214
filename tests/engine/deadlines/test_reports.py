"""Periodic reports fall due quarterly after the award, each with its own deadline and reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from engine import Refused
from engine.deadlines.sweep import sweep
from engine.views.queries import deadlines, history, status
from models import City, Deadline, Report, Rung
from support import COACH_BKO, LEAD_BKO, SECRETARIAT, Network


def reports_of(network: Network, city: str) -> list[tuple[str, int, str, date | None]]:
    with network.sessions() as s:
        rows = s.execute(
            select(Report.kind, Report.number, Report.state, Report.due_on)
            .join(City, City.id == Report.city_id)
            .where(City.code == city)
            .order_by(Report.id)
        ).all()
    return [(r.kind, r.number, r.state, r.due_on) for r in rows]


def report_deadlines(network: Network, city: str) -> list[tuple[str, date, str]]:
    with network.sessions() as s:
        rows = s.execute(
            select(Deadline.subject, Deadline.due_on, Deadline.state)
            .join(City, City.id == Deadline.city_id)
            .where(City.code == city, Deadline.kind == "report")
            .order_by(Deadline.id)
        ).all()
    return [(r.subject, r.due_on, r.state) for r in rows]


def awarded(network: Network) -> None:
    network.clock = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    network.walk("BKO", "pay_tranche")  # the committee's approval is recorded on Monday 5 January, 21:00


def test_the_award_schedules_the_first_quarterly_report_on_a_working_day(network: Network) -> None:
    awarded(network)
    # Three months after 5 January is Sunday 5 April; Monday 6 April is Easter Monday in Mali.
    assert reports_of(network, "BKO") == [("periodic", 1, "due", date(2026, 4, 7))]
    assert report_deadlines(network, "BKO") == [("periodic_report_1", date(2026, 4, 7), "open")]
    first_due = date(2026, 4, 7)
    listed = {(d.city, d.subject): d for d in deadlines(network.sessions, datetime(2026, 2, 1, tzinfo=UTC))}
    assert listed[("BKO", "periodic_report_1")].due_on == first_due


def test_a_report_is_reminded_before_it_is_due_and_marked_late_after(network: Network) -> None:
    awarded(network)
    first_due = reports_of(network, "BKO")[0][3]
    assert first_due is not None
    report = sweep(network.sessions, datetime.combine(first_due, datetime.min.time(), tzinfo=UTC))
    # Nobody acted since January: the secretariat also hears that Bamako went silent.
    told = [(f.subject, f.business_days, f.audience) for f in report.fired if f.city == "BKO"]
    assert told == [("periodic_report_1", -5, "city")]  # on track: no silent-city alarm for a quiet quarter
    late = {
        (d.city, d.subject): d for d in deadlines(network.sessions, datetime(2026, 6, 15, tzinfo=UTC), overdue=True)
    }
    assert late[("BKO", "periodic_report_1")].mark == "very late"


def test_submitting_meets_the_deadline_and_approval_schedules_the_next(network: Network) -> None:
    awarded(network)
    first_due = reports_of(network, "BKO")[0][3]
    assert first_due is not None
    network.act("BKO", "submit_report", LEAD_BKO, summary="Quarter one: 40 vendors on the open data portal")
    assert report_deadlines(network, "BKO")[0] == ("periodic_report_1", first_due, "met")
    network.act("BKO", "approve_report", COACH_BKO)
    assert reports_of(network, "BKO")[1] == ("periodic", 2, "due", date(2026, 7, 7))  # a quarter after 7 April
    assert [d[0] for d in report_deadlines(network, "BKO")] == [
        "periodic_report_1",
        "report_review_1",
        "periodic_report_2",
    ]


def test_the_final_report_replaces_the_periodic_one_still_owed(network: Network) -> None:
    awarded(network)
    network.act("BKO", "submit_report", LEAD_BKO, summary="Quarter one")
    with pytest.raises(Refused, match="A submitted report is waiting for review"):
        network.act("BKO", "begin_final_report", COACH_BKO)
    network.act("BKO", "approve_report", COACH_BKO)
    network.act("BKO", "begin_final_report", COACH_BKO)
    assert [(k, n, s) for k, n, s, _ in reports_of(network, "BKO")] == [
        ("periodic", 1, "approved"),
        ("periodic", 2, "superseded"),
        ("final", 1, "due"),
    ]
    assert [(d[0], d[2]) for d in report_deadlines(network, "BKO")] == [
        ("periodic_report_1", "met"),
        ("report_review_1", "met"),
        ("periodic_report_2", "cancelled"),
    ]


def test_the_board_shows_an_experimenting_city_its_report_deadline(network: Network) -> None:
    awarded(network)
    board = {r.city: r for r in status(network.sessions, datetime(2026, 4, 10, 12, tzinfo=UTC))}
    assert (board["BKO"].state, board["BKO"].deadline, board["BKO"].late_by, board["BKO"].mark) == (
        "experimenting",
        date(2026, 4, 7),
        3,
        "late",
    )


def test_a_report_deadline_is_extended_with_a_reason_like_a_stage_deadline(network: Network) -> None:
    """Late reports are the most common delay: the secretariat moves the report's deadline and its reminders."""
    awarded(network)
    network.act("BKO", "extend_deadline", SECRETARIAT, days="5", reason="Le conseil municipal siège le 14")
    # Tuesday 7 April + 5 business days in Mali: Tuesday 14 April.
    assert report_deadlines(network, "BKO") == [("periodic_report_1", date(2026, 4, 14), "open")]
    with network.sessions() as s:
        first = s.scalar(
            select(Rung.fire_at)
            .join(Deadline, Deadline.id == Rung.deadline_id)
            .where(Deadline.subject == "periodic_report_1", Rung.business_days == 0)
        )
    assert first is not None and first.date() == date(2026, 4, 14)  # the day-0 reminder moved with it
    [event] = [e for e in history(network.sessions, "BKO") if e.trigger == "extend_deadline"]
    assert event.data == {"days": 5, "reason": "Le conseil municipal siège le 14"}
