"""Every city's journey over time, for charts: stages as spans, reminders and escalations as marks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.deadlines.timers import ALARM, STARTED, TERMINAL
from engine.lookups import aware
from models import AuditEvent, City, Deadline, Rung
from states import CITY_JOURNEY


@dataclass(frozen=True)
class Span:
    """A stretch of time a city spent in one stage."""

    state: str
    label: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Mark:
    """A rung that went out: a reminder to the team, an escalation, or an alarm to the secretariat."""

    at: datetime
    kind: str  # reminder, escalation, alarm
    audience: str
    subject: str


@dataclass(frozen=True)
class Journey:
    """One city from selection to now (or to its end)."""

    code: str
    name: str
    state: str
    selected_at: datetime
    started_at: datetime | None  # entered onboarding: the start of activities
    spans: tuple[Span, ...]
    marks: tuple[Mark, ...]

    @property
    def selection_to_start_days(self) -> int | None:
        """Days from selection to the start of activities (ASToN lost eight months there)."""
        return (self.started_at - self.selected_at).days if self.started_at else None


def journeys(sessions: sessionmaker[Session], until: datetime) -> list[Journey]:
    """Every city's spans and marks up to `until`, in city order."""
    until = aware(until)
    with sessions() as s:
        cities = list(s.scalars(select(City).order_by(City.code)))
        events: dict[int, list[AuditEvent]] = defaultdict(list)
        for e in s.scalars(
            select(AuditEvent).where(AuditEvent.at <= until).order_by(AuditEvent.city_id, AuditEvent.seq)
        ):
            events[e.city_id].append(e)
        marks: dict[int, list[Mark]] = defaultdict(list)
        for fired_at, audience, kind, subject, city_id in s.execute(
            select(Rung.fired_at, Rung.audience, Deadline.kind, Deadline.subject, Deadline.city_id)
            .join(Deadline, Deadline.id == Rung.deadline_id)
            .where(Rung.state == "fired", Rung.fired_at.is_not(None), Rung.fired_at <= until)
            .order_by(Rung.fired_at)
        ):
            sort = "alarm" if kind == ALARM else ("reminder" if audience == "city" else "escalation")
            if fired_at is not None:
                marks[city_id].append(Mark(fired_at, sort, audience, subject))
        return [_journey(c, events[c.id], marks[c.id], until) for c in cities]


def _journey(city: City, events: list[AuditEvent], marks: list[Mark], until: datetime) -> Journey:
    spans: list[Span] = []
    for this, after in zip(events, [*events[1:], None], strict=True):
        end = after.at if after else until
        if this.to_state in TERMINAL and after is None:
            end = this.at  # a journey that ended has no span after its end
        if spans and spans[-1].state == this.to_state:  # an act that kept the stage (a tick, a tranche) extends it
            spans[-1] = Span(this.to_state, spans[-1].label, spans[-1].start, end)
        else:
            spans.append(Span(this.to_state, CITY_JOURNEY.state(this.to_state).label, this.at, end))
    started = next((e.at for e in events if e.to_state == STARTED), None)
    state = events[-1].to_state if events else city.state
    return Journey(city.code, city.name, state, city.selected_at, started, tuple(spans), tuple(marks))
