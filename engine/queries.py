"""Read-only views the CLI and (later) the web show: the board, a city's history, what one may do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.act import Option, find_city, find_person, options
from engine.facts import coach_of
from models import AuditEvent, City
from states import CITY_JOURNEY


@dataclass(frozen=True)
class CityStatus:
    """One row of the board."""

    city: str
    name: str
    country: str
    state: str
    label: str
    since: datetime
    version: int
    coach: str | None
    deadline: datetime | None


@dataclass(frozen=True)
class HistoryEntry:
    """One audited change, as a person reads it."""

    seq: int
    at: datetime
    by: str
    trigger: str
    from_state: str
    to_state: str
    note: str | None
    data: dict[str, object]


def status(sessions: sessionmaker[Session]) -> list[CityStatus]:
    """Every city, in code order, with its stage and since when (deadlines come with the time issue)."""
    with sessions() as s:
        cities = list(s.scalars(select(City).order_by(City.code)))
        return [
            CityStatus(
                c.code,
                c.name,
                c.country,
                c.state,
                CITY_JOURNEY.state(c.state).label,
                c.state_since,
                c.version,
                coach_of(s, c.id),
                None,
            )
            for c in cities
        ]


def history(sessions: sessionmaker[Session], code: str) -> list[HistoryEntry]:
    """A city's audit trail, oldest first."""
    with sessions() as s:
        city = find_city(s, code)
        events = s.scalars(select(AuditEvent).where(AuditEvent.city_id == city.id).order_by(AuditEvent.seq))
        return [
            HistoryEntry(e.seq, e.at, e.actor, e.trigger, e.from_state, e.to_state, e.note, dict(e.data))
            for e in events
        ]


def can(sessions: sessionmaker[Session], code: str, email: str) -> list[Option]:
    """What this person may do on this city now, and why not the rest."""
    with sessions() as s:
        return options(s, find_city(s, code), find_person(s, email))
