"""Deadlines follow the city: opened on entering a stage, frozen by a pause, shifted on resume, closed on leaving."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, case, or_, select, update
from sqlalchemy.orm import Session, selectinload

from engine.deadlines.calendar import BusinessCalendar, calendar_for
from models import City, Deadline, Rung
from models.programme import Definition, RungRule, Timing
from notifications.readers import reads_in_city
from states import CITY_JOURNEY, Tag

STAGE = "stage"
ALARM = "alarm"
REPORT = "report"
REVIEW = "report_review_"  # a report deadline's subject prefix when it waits on the coach's review, not the city
REVIEWER = "coach"
SELECTION_TO_START = "selection_to_start"
SILENT = "silent"
STARTED = "onboarding"  # the official start of activities: the selection-to-start alarm stops here
PAUSED = frozenset(CITY_JOURNEY.tagged(Tag.PAUSED))
TERMINAL = frozenset(CITY_JOURNEY.tagged(Tag.TERMINAL))
WITHDRAWN = "withdrawn"


def subject_label(subject: str) -> str:
    """What a deadline is about, as a person reads it: a stage's label, or the alarm's name."""
    if subject == SELECTION_TO_START:
        return "Start of activities (selection-to-start alarm)"
    if subject == SILENT:
        return "News from the city (silent-city alarm)"
    try:
        return CITY_JOURNEY.state(subject).label
    except KeyError:
        return subject.replace("_", " ").capitalize()


def waits_on(kind: str, subject: str) -> str | None:
    """Whom a deadline waits on: a stage's tagged party, the coach for a report's review, else the city."""
    if kind == STAGE:
        return CITY_JOURNEY.waits_on(subject)
    if kind == REPORT:
        return REVIEWER if subject.startswith(REVIEW) else "city"
    return None


def city_calendar(city: City) -> BusinessCalendar:
    """The city's own business calendar."""
    return calendar_for(city.country, city.timezone)


def programme_calendar(definition: Definition) -> BusinessCalendar:
    """The secretariat's calendar: the programme's country and time zone."""
    return calendar_for(definition.country, definition.timezone)


def due_date(cal: BusinessCalendar, opened: date, timing: Timing) -> date:
    """The due date of a stage opened on a local date: never a non-working day."""
    if timing.business_days:
        return cal.add(opened, timing.business_days)
    return cal.next_working(opened + timedelta(days=timing.days or 0))


def fire_time(city: City, definition: Definition, due_on: date, offset: int, audience: str) -> datetime:
    """When a rung reaches its audience: the rung's day on the city's calendar, then their working hour.

    City teams and mayors read in the city's zone; coach, secretariat and finance in the programme's,
    on its calendar (a rung that lands on Christmas in Paris waits for the next working day there).
    """
    day = city_calendar(city).add(due_on, offset)
    reader = city_calendar(city) if reads_in_city(audience) else programme_calendar(definition)
    return reader.at(reader.next_working(day), definition.reminder_hour)


def plan(deadline: Deadline, city: City, definition: Definition, *, after: datetime | None = None) -> None:
    """(Re)compute the fire times of the deadline's pending rungs, then its next fire time."""
    for rung in _rungs(deadline, "pending"):
        rung.fire_at = fire_time(city, definition, deadline.due_on, rung.business_days, rung.audience)
    _next(deadline)


def _rungs(deadline: Deadline, state: str) -> list[Rung]:
    """The deadline's rungs in a state, in ladder order."""
    return [r for r in deadline.rungs if r.state == state]


def _next(deadline: Deadline) -> None:
    """The indexed moment the sweep looks at: the earliest pending rung, or none."""
    pending = [r.fire_at for r in deadline.rungs if r.state == "pending"]
    deadline.next_fire_at = min(pending) if pending and deadline.frozen_at is None else None


def open_stage(s: Session, city: City, stage: str, definition: Definition, at: datetime) -> Deadline | None:
    """A deadline for the stage the city just entered, if the programme times that stage."""
    timing = definition.stages.get(stage)
    if timing is None:
        return None
    ladder = [chased(rung, waits_on(STAGE, stage)) for rung in definition.ladder(timing.ladder)]
    cal = city_calendar(city)
    return open_deadline(s, city, definition, STAGE, stage, at, due_date(cal, cal.local_date(at), timing), ladder)


def chased(rung: RungRule, party: str | None) -> RungRule:
    """A stage's (or a report review's) ladder chases whoever it waits on: the rungs meant for the city team go
    to that party (the secretariat sending a contract, finance paying, the coach reviewing, the committee meeting); the
    mayor's rung, and the coach's when money or contracts wait, go to the secretariat, since the city is not
    the one late; the other escalations climb as written.
    """
    if party in (None, "city"):
        return rung
    if rung.to == "city":
        return RungRule(business_days=rung.business_days, to=party)
    if rung.to == "mayor" or (rung.to == "coach" and party in ("secretariat", "finance")):
        return RungRule(business_days=rung.business_days, to="secretariat")  # no hand in contracts or payments
    return rung


def open_deadline(
    s: Session,
    city: City,
    definition: Definition,
    kind: str,
    subject: str,
    at: datetime,
    due_on: date,
    ladder: list[RungRule],
) -> Deadline:
    """A new open deadline with its ladder of pending rungs, planned and added to the session."""
    deadline = Deadline(
        city_id=city.id,
        kind=kind,
        subject=subject,
        opened_at=at,
        due_on=due_on,
        extended_days=0,
        state="open",
        ladder=[r.model_dump() for r in ladder],
    )
    deadline.rungs = [
        Rung(seq=i, business_days=r.business_days, audience=r.to, state="pending")
        for i, r in enumerate(ladder, start=1)
    ]
    plan(deadline, city, definition)
    s.add(deadline)
    return deadline


def on_join(s: Session, city: City, definition: Definition, at: datetime) -> None:
    """A new city: its first stage's deadline, and the alarm on the selection-to-start lag ASToN lost 8 months to."""
    open_stage(s, city, city.state, definition, at)
    limit = definition.alarms.selection_to_start_days
    cal = city_calendar(city)
    due = cal.next_working(cal.local_date(at) + timedelta(days=limit))
    open_deadline(s, city, definition, ALARM, SELECTION_TO_START, at, due, TO_SECRETARIAT)
    _open_silence(s, city, definition, at)


TO_SECRETARIAT = [RungRule(business_days=0, to="secretariat")]


def _silence(city: City, definition: Definition, at: datetime) -> tuple[date, datetime]:
    """When a city that acted at `at` becomes silent, and when the secretariat then hears of it."""
    cal = city_calendar(city)
    due = cal.next_working(cal.local_date(at) + timedelta(days=definition.alarms.silent_days))
    return due, fire_time(city, definition, due, 0, "secretariat")


def _open_silence(s: Session, city: City, definition: Definition, at: datetime) -> None:
    """The silent-city alarm: fires if the city goes silent_days without any act."""
    open_deadline(s, city, definition, ALARM, SILENT, at, _silence(city, definition, at)[0], TO_SECRETARIAT)


def follow(s: Session, city: City, from_state: str, to_state: str, definition: Definition, at: datetime) -> None:
    """After every act: the stage's timers follow the change, and the silence clock starts again."""
    on_move(s, city, from_state, to_state, definition, at)
    if to_state not in PAUSED and to_state not in TERMINAL:
        heard(s, city, definition, at)


def heard(s: Session, city: City, definition: Definition, at: datetime) -> None:
    """The city acted: push its silent-city alarm back (two statements), or re-arm it after it went off."""
    due, fire = _silence(city, definition, at)
    alarm = (
        select(Deadline.id)
        .where(Deadline.city_id == city.id, Deadline.kind == ALARM, Deadline.subject == SILENT)
        .where(Deadline.state == "open", Deadline.frozen_at.is_(None))
        .scalar_subquery()
    )
    s.execute(
        update(Rung).where(Rung.deadline_id == alarm, Rung.state == "pending").values(fire_at=fire),
        execution_options={"synchronize_session": False},
    )
    moved = s.execute(
        update(Deadline)
        .where(Deadline.id == alarm)
        .values(due_on=due, next_fire_at=fire)
        .execution_options(synchronize_session=False)
    )
    if not getattr(moved, "rowcount", 1):  # it went off (and was closed): a new silence starts now
        _open_silence(s, city, definition, at)


def open_deadlines(s: Session, city_id: int) -> list[Deadline]:
    """The city's open deadlines with their rungs loaded."""
    query = (
        select(Deadline)
        .where(Deadline.city_id == city_id, Deadline.state == "open")
        .options(selectinload(Deadline.rungs))
        .order_by(Deadline.id)
    )
    return list(s.scalars(query))


def on_move(s: Session, city: City, from_state: str, to_state: str, definition: Definition, at: datetime) -> None:
    """Keep the city's timers in step with a change of stage."""
    if from_state == to_state:
        return
    if to_state in PAUSED:  # one statement: a pause touches no rung, it only stops the clock
        s.execute(
            update(Deadline)
            .where(Deadline.city_id == city.id, Deadline.state == "open")
            .values(frozen_at=at, next_fire_at=None)
            .execution_options(synchronize_session=False)
        )
        return
    current = open_deadlines(s, city.id)
    if from_state in PAUSED and to_state not in TERMINAL:
        for d in current:
            shift(d, city, definition, at)
        return
    for d in current:
        if d.kind == STAGE or (d.kind == ALARM and to_state == STARTED) or to_state in TERMINAL:
            close(d, at, "cancelled" if to_state == WITHDRAWN else "met")
    open_stage(s, city, to_state, definition, at)


def shift(deadline: Deadline, city: City, definition: Definition, at: datetime) -> None:
    """On resume: the due date moves by the days the city was paused, and the ladder is re-planned."""
    if deadline.frozen_at is None:
        return
    cal = city_calendar(city)
    paused_days = (cal.local_date(at) - cal.local_date(deadline.frozen_at)).days
    deadline.due_on = cal.next_working(deadline.due_on + timedelta(days=paused_days))
    deadline.frozen_at = None
    plan(deadline, city, definition)


def running(city_id: int, state: str) -> Select[Deadline]:
    """The deadline an extension moves: the current stage's, else the report the city owes (late reports are
    the most common delay); alarms and the coach's reviews are never extended."""
    return (
        select(Deadline)
        .where(
            Deadline.city_id == city_id,
            Deadline.state == "open",
            or_(
                and_(Deadline.kind == STAGE, Deadline.subject == state),
                and_(Deadline.kind == REPORT, ~Deadline.subject.startswith(REVIEW, autoescape=True)),
            ),
        )
        .order_by(case((Deadline.kind == STAGE, 0), else_=1), Deadline.due_on, Deadline.id)
        .limit(1)
    )


def extend(s: Session, city: City, definition: Definition, days: int) -> Deadline | None:
    """Push the running deadline by business days; the rungs still to come are re-planned."""
    deadline = s.scalar(running(city.id, city.state).options(selectinload(Deadline.rungs)))
    if deadline is None:
        return None
    deadline.due_on = city_calendar(city).add(deadline.due_on, days)
    deadline.extended_days += days
    plan(deadline, city, definition)
    return deadline


def replan(s: Session, city: City, definition: Definition) -> None:
    """The city's calendar changed (a new zone or country): every running deadline's rungs still to come move."""
    for deadline in open_deadlines(s, city.id):
        if deadline.frozen_at is None:
            plan(deadline, city, definition)


def close_subject(s: Session, city: City, kind: str, subject: str, at: datetime, outcome: str) -> None:
    """Close the city's open deadline about subject, if there is one."""
    for deadline in open_deadlines(s, city.id):
        if (deadline.kind, deadline.subject) == (kind, subject):
            close(deadline, at, outcome)


def close(deadline: Deadline, at: datetime, outcome: str) -> None:
    """The city left the stage: the deadline is met (or cancelled) and its pending rungs never fire."""
    deadline.state, deadline.closed_at, deadline.next_fire_at = outcome, at, None
    for rung in deadline.rungs:
        if rung.state == "pending":
            rung.state = "cancelled"
