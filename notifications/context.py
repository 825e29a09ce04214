"""What a message needs to be said: its reader's role, language and zone, its city's contacts, its calendar file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import City, OutboxMessage, Person, Programme, ProgrammeVersion, RoleAssignment
from models.programme import Definition, decoded
from notifications.calendar import deadline_file
from notifications.catalogue import Kind
from notifications.channels import Attachment
from notifications.readers import zone_of
from notifications.render import language_for
from notifications.words import subject_name

CONTACT_ROLES = ("city_lead", "coach", "secretariat")

Links = Callable[[int, int, str, str, dict[str, Any], datetime], str | None]
"""Given by the engine: (reader id, their access key, role, city code, the act's payload, when) -> a link, if any."""


class Lookups:
    """What a batch of messages needs to know about cities, programmes and roles, each read once."""

    def __init__(self, s: Session, links: Links | None = None) -> None:
        self.s = s
        self.links = links  # approval links in the reviewer's messages, when the installation can sign them
        self.cities: dict[int, City] = {}
        self.definitions: dict[int, Definition] = {}
        self.contacts: dict[int | None, list[dict[str, str]]] = {}
        self.roles: dict[tuple[int, int | None], list[str]] = {}

    def city(self, city_id: int) -> City:
        """A city, read once per batch."""
        if city_id not in self.cities:
            self.cities[city_id] = self.s.get_one(City, city_id)
        return self.cities[city_id]

    def definition(self, version_id: int) -> Definition:
        """A programme version's definition, read once per batch."""
        if version_id not in self.definitions:
            version = self.s.get_one(ProgrammeVersion, version_id)
            self.definitions[version_id] = decoded(version.digest, version.definition)
        return self.definitions[version_id]

    def latest(self, code: str) -> Definition:
        """The newest definition of a programme (for network messages, which belong to no city)."""
        version = self.s.scalar(
            select(ProgrammeVersion.id)
            .join(Programme, Programme.id == ProgrammeVersion.programme_id)
            .where(Programme.code == code)
            .order_by(ProgrammeVersion.number.desc())
            .limit(1)
        )
        if version is None:
            raise ValueError(f"no programme {code}")
        return self.definition(version)

    def people(self, city_id: int | None) -> list[dict[str, str]]:
        """Who to call about a city: its lead, its coach, the secretariat."""
        if city_id not in self.contacts:
            found = self.s.execute(
                select(RoleAssignment.role, Person.name, Person.email)
                .join(Person, Person.id == RoleAssignment.person_id)
                .where(
                    RoleAssignment.role.in_(CONTACT_ROLES),
                    or_(RoleAssignment.city_id == city_id, RoleAssignment.city_id.is_(None)),
                )
            ).all()
            self.contacts[city_id] = sorted(
                ({"role": r.role, "name": r.name, "email": r.email} for r in found),
                key=lambda c: (CONTACT_ROLES.index(c["role"]), c["name"]),
            )
        return self.contacts[city_id]

    def role(self, person_id: int, city_id: int | None, kind: Kind) -> str:
        """The role that makes this person a reader of this kind (what the footer tells them they are)."""
        if (person_id, city_id) not in self.roles:
            query = select(RoleAssignment.role).where(RoleAssignment.person_id == person_id)
            if city_id is not None:  # a network message (digest, bulletin) reaches people in any of their roles
                query = query.where(or_(RoleAssignment.city_id == city_id, RoleAssignment.city_id.is_(None)))
            self.roles[(person_id, city_id)] = list(self.s.scalars(query.order_by(RoleAssignment.id)))
        held = self.roles[(person_id, city_id)]
        return next((r for r in held if r in kind.audiences), held[0] if held else "city_member")

    def _approval(
        self, role: str, person: Person, city: City | None, payload: dict[str, Any], at: datetime
    ) -> dict[str, str]:
        """A signed approval link for a reviewer's copy of a plan or report waiting for them."""
        if not (self.links and city and "version" in payload):
            return {}
        link = self.links(person.id, person.access_key, role, city.code, payload, at)
        return {"approve_link": link} if link else {}

    def context(self, row: OutboxMessage, person: Person, kind: Kind) -> tuple[dict[str, Any], str | None]:
        """Everything a template may use, and the city's zone (for calendar files)."""
        payload = row.payload
        city = self.city(row.city_id) if row.city_id else None
        definition = self.definition(city.definition_id) if city else self.latest(payload["programme"])
        role = self.role(person.id, row.city_id, kind)
        tz = zone_of(person.timezone, role, city.timezone if city else None, definition.timezone)
        language = language_for(person.language, city.languages.split(",") if city else [], definition.languages)
        context = {
            "lang": language,
            "tz": tz,
            "reader": {"name": person.name, "email": person.email, "role": role},
            "city": {"code": city.code, "name": city.name, "country": city.country} if city else None,
            "programme": {"code": definition.code, "name": definition.name},
            "contacts": self.people(row.city_id),
            "at": payload.get("at") or row.created_at.isoformat(),
            "event": payload | self._approval(role, person, city, payload, row.created_at),
        }
        return context, city.timezone if city else None


def calendar_files(
    kind: Kind, payload: dict[str, Any], context: dict[str, Any], tz: str | None, stamp: datetime
) -> tuple[Attachment, ...]:
    """The deadline the message is about, as a calendar file in the city's zone (reminders carry one)."""
    if not kind.calendar or tz is None or context["city"] is None:
        return ()
    deadline = payload if "due_on" in payload and "subject" in payload else payload.get("next_deadline")
    if not deadline:
        return ()
    city = context["city"]
    summary = f"{city['name']}: {subject_name(deadline['subject'], context['lang'])}"
    data = deadline_file(
        f"{city['code']}-{deadline['subject']}", summary, date.fromisoformat(deadline["due_on"]), tz, stamp
    )
    return (Attachment(f"{city['code'].lower()}-{deadline['subject']}.ics", "text/calendar", data),)
