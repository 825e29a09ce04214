"""Deadlines and journey events as an iCalendar file, in each city's own time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.deadlines.timers import subject_label
from engine.lookups import find_city
from models import AuditEvent, City, Deadline
from models.programme import WORK_STARTS
from notifications.calendar import PRODID, event


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
            entry = event(f"deadline-{d.id}", f"{city.name}: {subject_label(d.subject)} due", start, 30, d.opened_at)
            if d.extended_days:
                entry.add("description", f"Extended by {d.extended_days} business days.")
            cal.add_component(entry)
        for e in s.scalars(select(AuditEvent).where(AuditEvent.city_id.in_(ids)).order_by(AuditEvent.id)):
            city = by_id[e.city_id]
            moment = e.at.astimezone(ZoneInfo(city.timezone))
            summary = f"{city.name}: {e.trigger.replace('_', ' ')}"
            cal.add_component(event(f"event-{e.city_id}-{e.seq}", summary, moment, 15, e.at))
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
