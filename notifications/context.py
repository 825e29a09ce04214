"""What a message needs to be said: its reader's role, language and zone, its city's contacts, its calendar file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Final, Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import City, OutboxMessage, Person, Programme, ProgrammeVersion, RoleAssignment
from models.programme import Definition, decoded
from notifications.calendar import deadline_file
from notifications.catalogue import CITY_TEAM, Kind
from notifications.channels import Attachment
from notifications.readers import zone_of
from notifications.render import language_for
from notifications.words import next_move, subject_name

CONTACT_ROLES = ("city_lead", "coach", "secretariat")

EVERYONE: Final = ("*",)
# Messages that ask something of their reader, by kind: the roles asked, who get a link to the city's page (it
# signs them in once). The rest tell and ask nothing (a payment made, a pause, the journey's end).
ASKS: Final[dict[str, tuple[str, ...]]] = {
    "selection_notice": CITY_TEAM,
    "welcome": ("secretariat",),  # the agreement is the secretariat's to send
    "contract_sent": CITY_TEAM,
    "contract_signed": ("finance",),
    "onboarding_checklist": CITY_TEAM,
    "coach_assigned": (*CITY_TEAM, "coach"),
    "plan_submitted": ("coach",),
    "changes_requested": CITY_TEAM,
    "ready_for_committee": EVERYONE,
    "committee_decision": (*CITY_TEAM, "finance"),
    "report_submitted": ("coach",),
    "report_approved": ("finance",),
    "final_report_requested": CITY_TEAM,
    "deadline.reminder": EVERYONE,
    "report_due": EVERYONE,
    "deadline.escalation.coach": EVERYONE,
    "deadline.escalation.secretariat": EVERYONE,
    "deadline.escalation.finance": EVERYONE,
    "deadline.escalation.mayor": EVERYONE,
}
# The simplest answers, given from the message itself on a page of their own: the act each kind offers.
ANSWERS: Final[dict[str, str]] = {"selection_notice": "confirm"} | {
    kind: "acknowledge" for kind in ASKS if kind.startswith("deadline.") or kind == "report_due"
}


class Links(Protocol):
    """Given by the engine: whose move a stage is (its waiting-on tag), and links bound to one reader.

    A link is None when the installation cannot sign, or when the reader's role may not give that answer.
    """

    def waits_on(self, stage: str) -> str | None: ...

    def approve(
        self, person: int, key: int, role: str, city: str, payload: dict[str, Any], at: datetime
    ) -> str | None: ...

    def open(self, person: int, key: int, city: str, at: datetime) -> str | None: ...

    def reply(
        self, person: int, key: int, role: str, city: str, state: str, trigger: str, version: int, at: datetime
    ) -> str | None: ...


class Lookups:
    """What a batch of messages needs to know about cities, programmes and roles, each read once."""

    def __init__(self, s: Session, links: Links | None = None) -> None:
        self.s = s
        self.now = datetime.now(UTC)  # links last from when the message is written, not from when it was queued
        self.links = links  # what a message asks of its reader, and their links when the installation can sign
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

    def _asks(
        self, kind: Kind, role: str, person: Person, city: City | None, payload: dict[str, Any], language: str
    ) -> dict[str, str]:
        """What the message asks of this reader, and the ways to do it: the next move, their links (when signed)."""
        if not (self.links and city):
            return {}
        said: dict[str, str] = {}
        if "stage" in payload and kind.code in ASKS:  # a reminder: what the stage expects, from its waiting-on tag
            move = next_move(str(payload["stage"]), self.links.waits_on(str(payload["stage"])), language)
            said |= {"expects": move} if move else {}
        asked, at = ASKS.get(kind.code, ()), self.now
        links = {
            "approve_link": self.links.approve(person.id, person.access_key, role, city.code, payload, at),
            "open_link": self.links.open(person.id, person.access_key, city.code, at)
            if role in asked or asked == EVERYONE
            else None,
        }
        if kind.code in ANSWERS:
            version = int(payload.get("version", city.version))
            trigger = ANSWERS[kind.code]
            answer = self.links.reply(person.id, person.access_key, role, city.code, city.state, trigger, version, at)
            links["answer_link"] = answer
        return said | {name: link for name, link in links.items() if link}

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
            "event": payload | self._asks(kind, role, person, city, payload, language),
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
