"""A deadline as an iCalendar file, in the city's own zone: the attachment reminders carry."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from models.programme import WORK_STARTS

PRODID = "-//Jalon//City network deadlines//EN"


def event(uid: str, summary: str, start: datetime, minutes: int, stamp: datetime) -> Event:
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
    cal.add_component(event(f"deadline-{uid}", summary, start, 30, stamp))
    return bytes(cal.to_ical())


@cache
def _vtimezone(tz: str, year: int) -> Timezone:
    """A zone's rules around one year; building them costs ~20 ms, and a reminder batch repeats few zones."""
    return Timezone.from_tzid(tz, first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))
