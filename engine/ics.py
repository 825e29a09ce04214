"""Deadlines and journey events as an iCalendar file, in each city's own time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.act import find_city
from engine.calendar import WORK_STARTS
from engine.timers import subject_label
from models import AuditEvent, City, Deadline

PRODID = "-//Jalon//City network deadlines//EN"


def _event(uid: str, summary: str, start: datetime, minutes: int, stamp: datetime) -> Event:
    """A short timed event in the start's own zone (so the file carries its TZID)."""
    event = Event()
    event.add("uid", f"{uid}@jalon")
    event.add("summary", summary)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=minutes))
    event.add("dtstamp", stamp)
    return event


def deadline_file(uid: str, summary: str, due_on: date, tz: str, stamp: datetime) -> bytes:
    """One deadline as a calendar file (a reminder's attachment); the same uid updates it when it moves."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    start = datetime.combine(due_on, WORK_STARTS, tzinfo=ZoneInfo(tz))
    if start.utcoffset():  # icalendar writes zero-offset zones as UTC, with no VTIMEZONE
        cal.add_component(_vtimezone(tz, due_on.year))
    cal.add_component(_event(f"deadline-{uid}", summary, start, 30, stamp))
    return bytes(cal.to_ical())


@cache
def _vtimezone(tz: str, year: int) -> Timezone:
    """A zone's rules around one year; building them costs ~20 ms, and a reminder batch repeats few zones."""
    return Timezone.from_tzid(tz, first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))


def calendar(sessions: sessionmaker[Session], code: str | None = None) -> bytes:
    """One city's (or the whole network's) open deadlines and journey events, with VTIMEZONEs."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    with sessions() as s:
        cities = [find_city(s, code)] if code else list(s.scalars(select(City).order_by(City.code)))
        cal.add("x-wr-calname", f"Jalon: {cities[0].name}" if code and cities else "Jalon: network deadlines")
        ids = [c.id for c in cities]
        by_id = {c.id: c for c in cities}
        for d in s.scalars(select(Deadline).where(Deadline.city_id.in_(ids), Deadline.state == "open")):
            city = by_id[d.city_id]
            start = datetime.combine(d.due_on, WORK_STARTS, tzinfo=ZoneInfo(city.timezone))
            event = _event(f"deadline-{d.id}", f"{city.name}: {subject_label(d.subject)} due", start, 30, d.opened_at)
            if d.extended_days:
                event.add("description", f"Extended by {d.extended_days} business days.")
            cal.add_component(event)
        for e in s.scalars(select(AuditEvent).where(AuditEvent.city_id.in_(ids)).order_by(AuditEvent.id)):
            city = by_id[e.city_id]
            moment = e.at.astimezone(ZoneInfo(city.timezone))
            summary = f"{city.name}: {e.trigger.replace('_', ' ')}"
            cal.add_component(_event(f"event-{e.city_id}-{e.seq}", summary, moment, 15, e.at))
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
