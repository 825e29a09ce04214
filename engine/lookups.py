"""Lookups every room may use: the explicit clock in UTC, a city, a person, the definition a city is pinned to."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidData, NotFound
from engine.journey.fields import parse_email
from models import City, Person, ProgrammeVersion
from models.programme import Definition, decoded
from states import CITY_JOURNEY
from states.reasons import Reason


def aware(at: datetime) -> datetime:
    """The explicit clock, in UTC: the audit hash is computed on what the database will give back."""
    if at.tzinfo is None:
        raise InvalidData(Reason("no_zone", "The time given has no time zone; Jalon stores and compares UTC."))
    return at.astimezone(UTC)


def no_city(code: str) -> NotFound:
    """The error for a city code nobody imported."""
    return NotFound(
        Reason("no_city", "No city with code '{code}'. See `jalon status` for the codes.", code=code.strip()[:20])
    )


def find_city(s: Session, code: str) -> City:
    """The city with this code, for reading."""
    city = s.scalar(select(City).where(City.code == code.strip().upper()))
    if city is None:
        raise no_city(code)
    return city


def find_person(s: Session, email: str) -> Person:
    """The person with this email."""
    try:
        address = parse_email(email)
    except ValueError as exc:
        raise InvalidData(Reason("sentence", "{reason}.", reason=exc.args[0])) from None
    person = s.scalar(select(Person).where(Person.email == address))
    if person is None:
        raise NotFound(Reason("no_person", "No person with email {email}. See `jalon people import`.", email=address))
    return person


def pinned(definition: Definition, number: int) -> str:
    """The label the audit trail records for a definition: programme, version, lifecycle."""
    return f"{definition.code} v{number} / {CITY_JOURNEY.version}"


def definition_of(s: Session, city: City) -> tuple[Definition, str]:
    """The programme definition the city is pinned to, and the label the audit trail records."""
    row = s.execute(
        select(ProgrammeVersion.definition, ProgrammeVersion.digest, ProgrammeVersion.number).where(
            ProgrammeVersion.id == city.definition_id
        )
    ).one()
    definition = decoded(row[1], row[0])
    return definition, pinned(definition, row[2])


def lock_city(s: Session, code: str) -> tuple[City, Definition, str]:
    """The city row locked for this change, with its pinned definition, in one round trip."""
    row = s.execute(
        select(City, ProgrammeVersion.definition, ProgrammeVersion.digest, ProgrammeVersion.number)
        .join(ProgrammeVersion, ProgrammeVersion.id == City.definition_id)
        .where(City.code == code.strip().upper())
        .with_for_update(of=City)
    ).first()
    if row is None:
        raise no_city(code)
    definition = decoded(row[2], row[1])
    return row[0], definition, pinned(definition, row[3])
