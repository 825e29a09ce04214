"""Reports fall due on a schedule: the first a period after the award, each next a period after the last."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.deadlines import timers
from engine.deadlines.calendar import add_months
from models import City, Report
from models.programme import Definition
from states import REPORT_MACHINE

PERIODIC, FINAL = "periodic", "final"


def subject(number: int) -> str:
    """The deadline subject of a periodic report."""
    return f"periodic_report_{number}"


def review_subject(report: Report) -> str:
    """The deadline subject of a submitted report's review: its own, so the city's deadline stays closed."""
    return f"{timers.REVIEW}{report.number if report.kind == PERIODIC else FINAL}"


def open_periodic(s: Session, city: City, definition: Definition, after: date, at: datetime) -> Report:
    """The city's next periodic report, due a period after `after` (on a working day), with its ladder."""
    cal = timers.city_calendar(city)
    number = (
        s.scalar(select(func.max(Report.number)).where(Report.city_id == city.id, Report.kind == PERIODIC)) or 0
    ) + 1
    due = cal.next_working(add_months(after, definition.reports.every_months))
    report = Report(city_id=city.id, kind=PERIODIC, number=number, state="due", due_on=due, opened_at=at)
    s.add(report)
    ladder = definition.ladder(definition.reports.ladder)
    timers.open_deadline(s, city, definition, timers.REPORT, subject(number), at, due, ladder)
    return report


def on_award(s: Session, city: City, definition: Definition, at: datetime) -> None:
    """The grant is awarded: the first periodic report is scheduled."""
    open_periodic(s, city, definition, timers.city_calendar(city).local_date(at), at)


def on_submit(s: Session, city: City, report: Report, definition: Definition, at: datetime) -> None:
    """A report came in: the city's deadline is met, and the coach's review of it falls due, with its ladder."""
    if report.kind == PERIODIC:
        timers.close_subject(s, city, timers.REPORT, subject(report.number), at, "met")
    cal = timers.city_calendar(city)
    due = cal.add(cal.local_date(at), definition.reports.review_business_days)
    party = timers.waits_on(timers.REPORT, review_subject(report))
    ladder = [timers.chased(rung, party) for rung in definition.ladder(definition.reports.ladder)]
    timers.open_deadline(s, city, definition, timers.REPORT, review_subject(report), at, due, ladder)


def on_decide(s: Session, city: City, report: Report, definition: Definition, at: datetime) -> None:
    """The coach approved the report or sent it back: the review is met; a periodic report sent back is owed again,
    in the span its review had (the final one stays chased by its stage's deadline)."""
    timers.close_subject(s, city, timers.REPORT, review_subject(report), at, "met")
    if report.kind == PERIODIC and report.state == "changes_requested":
        cal = timers.city_calendar(city)
        ladder = definition.ladder(definition.reports.ladder)
        due = cal.add(cal.local_date(at), definition.reports.review_business_days)
        timers.open_deadline(s, city, definition, timers.REPORT, subject(report.number), at, due, ladder)


def on_approve(s: Session, city: City, report: Report, definition: Definition, at: datetime) -> None:
    """An approved periodic report schedules the next one, a period after the one just approved was due."""
    if report.kind == PERIODIC and report.due_on is not None:
        open_periodic(s, city, definition, report.due_on, at)


def open_final(s: Session, city: City, at: datetime) -> None:
    """The final report replaces any periodic report still owed; the final stage's deadline chases it."""
    for owed in s.scalars(
        select(Report).where(
            Report.city_id == city.id, Report.kind == PERIODIC, Report.state.in_(("due", "changes_requested"))
        )
    ):
        owed.state = REPORT_MACHINE.step(owed.state, "supersede")
        timers.close_subject(s, city, timers.REPORT, subject(owed.number), at, "cancelled")
    s.add(Report(city_id=city.id, kind=FINAL, number=1, state="due", opened_at=at))
