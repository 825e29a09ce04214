"""Read-only views the CLI (and later the web) show: the board, deadlines, a city's history, what one may do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, sessionmaker

from engine.deadlines.calendar import calendar_for
from engine.deadlines.timers import REVIEW
from engine.journey.act import Option, options
from engine.lookups import aware, find_city, find_person
from models import AuditEvent, City, Deadline, OutboxMessage, Person, Plan, ProgrammeVersion, RoleAssignment, Rung
from models.programme import Definition, decoded
from states import CITY_JOURNEY, Role


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
    deadline: date | None
    late_by: int | None  # business days past the deadline on the city's calendar (0: on time)
    mark: str  # "on time", "late", "very late" (or "" without a deadline)
    coach_name: str | None = None  # the coach as people call them (the board shows names, not addresses)


@dataclass(frozen=True)
class DeadlineRow:
    """An open deadline, how late it is, and the next reminder it will send."""

    city: str
    kind: str
    subject: str
    due_on: date
    extended_days: int
    frozen: bool
    late_by: int
    mark: str
    next_reminder: datetime | None
    next_audience: str | None


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


def late_by(city: City, deadline: Deadline, at: datetime) -> int:
    """Business days past due on the city's calendar; a paused city's lateness stops when it paused."""
    cal = calendar_for(city.country, city.timezone)
    return _late(city.country, city.timezone, deadline.due_on, cal.local_date(deadline.frozen_at or at))


@lru_cache(maxsize=4096)
def _late(country: str, timezone: str, due_on: date, today: date) -> int:
    """Counted once per calendar and pair of dates: a board of many cities shares most of them."""
    return max(0, calendar_for(country, timezone).between(due_on, today))


def mark(late: int | None, definition: Definition) -> str:
    """On time, late, or very late past the programme's threshold."""
    if late is None:
        return ""
    return "on time" if late == 0 else ("very late" if late > definition.alarms.very_late_business_days else "late")


def status(sessions: sessionmaker[Session], at: datetime) -> list[CityStatus]:
    """Every city, in code order: stage, since when, its next deadline (stage or report) and how late it is."""
    at = aware(at)
    with sessions() as s:
        cities = list(s.scalars(select(City).order_by(City.code)))
        # each programme version's definition decoded once, not once per city (it is the board's costliest part)
        versions = {c.definition_id for c in cities}
        definitions = {
            id_: decoded(digest, stored)
            for id_, digest, stored in s.execute(
                select(ProgrammeVersion.id, ProgrammeVersion.digest, ProgrammeVersion.definition).where(
                    ProgrammeVersion.id.in_(versions)
                )
            )
        }
        rows = [(c, definitions[c.definition_id]) for c in cities]
        nearest: dict[int, Deadline] = {}
        for d in s.scalars(
            select(Deadline)
            .options(defer(Deadline.ladder))  # the ladder's JSON is not shown on the board
            .where(Deadline.state == "open", Deadline.kind.in_(("stage", "report")))
            .order_by(Deadline.due_on.desc(), Deadline.id.desc())
        ):
            nearest[d.city_id] = d  # the last one written is the soonest due
        coaches = {
            city_id: (email, name)
            for city_id, email, name in s.execute(
                select(RoleAssignment.city_id, Person.email, Person.name)
                .join(Person, Person.id == RoleAssignment.person_id)
                .where(RoleAssignment.role == Role.COACH.value)
            )
        }
        return [
            CityStatus(
                c.code,
                c.name,
                c.country,
                c.state,
                CITY_JOURNEY.state(c.state).label,
                c.state_since,
                c.version,
                coach[0] if coach else None,
                d.due_on if d else None,
                late := late_by(c, d, at) if d else None,
                mark(late, definition),
                coach[1] if coach else None,
            )
            for c, definition in rows
            for d in [nearest.get(c.id)]
            for coach in [coaches.get(c.id)]
        ]


def deadlines(sessions: sessionmaker[Session], at: datetime, *, overdue: bool = False) -> list[DeadlineRow]:
    """Open deadlines, soonest first, each with its lateness and next reminder (only late ones if asked)."""
    at = aware(at)
    with sessions() as s:
        rows = s.execute(
            select(City, Deadline, ProgrammeVersion.digest, ProgrammeVersion.definition)
            .join(Deadline, Deadline.city_id == City.id)
            .join(ProgrammeVersion, ProgrammeVersion.id == City.definition_id)
            .where(Deadline.state == "open")
            .order_by(Deadline.due_on, City.code)
        ).all()
        nexts = {
            r.deadline_id: r
            for r in s.scalars(
                select(Rung)
                .join(Deadline, Deadline.id == Rung.deadline_id)
                .where(Deadline.state == "open", Rung.state == "pending")
                .order_by(Rung.fire_at.desc())
            )
        }
        result = []
        for city, d, digest, stored in rows:
            definition = decoded(digest, stored)
            late = late_by(city, d, at)
            if overdue and not late:
                continue
            nxt = nexts.get(d.id)
            result.append(
                DeadlineRow(
                    city.code,
                    d.kind,
                    d.subject,
                    d.due_on,
                    d.extended_days,
                    d.frozen_at is not None,
                    late,
                    mark(late, definition),
                    nxt.fire_at if nxt else None,
                    nxt.audience if nxt else None,
                )
            )
        return result


def history(sessions: sessionmaker[Session], code: str) -> list[HistoryEntry]:
    """A city's audit trail, oldest first."""
    with sessions() as s:
        city = find_city(s, code)
        events = s.scalars(select(AuditEvent).where(AuditEvent.city_id == city.id).order_by(AuditEvent.seq))
        return [
            HistoryEntry(e.seq, e.at, e.actor, e.trigger, e.from_state, e.to_state, e.note, dict(e.data))
            for e in events
        ]


@dataclass(frozen=True)
class OutboxRow:
    """One message Jalon holds, as the secretariat checks on it."""

    key: str
    kind: str
    to: str
    state: str
    attempts: int
    when: datetime
    answer: str
    message_id: str | None


def outbox(sessions: sessionmaker[Session], state: str | None = None, *, limit: int = 200) -> list[OutboxRow]:
    """The newest messages (of one state if asked): email only; events are for the orchestration layer."""
    query = (
        select(OutboxMessage, Person.email)
        .join(Person, Person.id == OutboxMessage.recipient_id)
        .where(OutboxMessage.channel == "email")
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    if state:
        query = query.where(OutboxMessage.state == state)
    with sessions() as s:
        return [
            OutboxRow(
                m.key,
                m.kind,
                email,
                m.state,
                m.attempts,
                m.sent_at or m.next_attempt_at,
                m.answer or m.last_error or "",
                m.message_id,
            )
            for m, email in s.execute(query)
        ]


def can(sessions: sessionmaker[Session], code: str, email: str) -> list[Option]:
    """What this person may do on this city now, and why not the rest."""
    with sessions() as s:
        return options(s, find_city(s, code), find_person(s, email))


def city_codes(sessions: sessionmaker[Session]) -> list[str]:
    """Every city's code, in order."""
    with sessions() as s:
        return list(s.scalars(select(City.code).order_by(City.code)))


def holder(sessions: sessionmaker[Session], code: str, role: str) -> str | None:
    """The (first, by email) person holding a role for a city."""
    with sessions() as s:
        return s.scalar(
            select(Person.email)
            .join(RoleAssignment, RoleAssignment.person_id == Person.id)
            .join(City, City.id == RoleAssignment.city_id)
            .where(City.code == code, RoleAssignment.role == role)
            .order_by(Person.email)
            .limit(1)
        )


def home_city(sessions: sessionmaker[Session], person_id: int) -> str | None:
    """The one city a person works for, when all their roles are in its team (lead or member): where they start."""
    team = {Role.CITY_LEAD.value, Role.CITY_MEMBER.value}
    with sessions() as s:
        roles = s.execute(
            select(RoleAssignment.role, City.code)
            .outerjoin(City, City.id == RoleAssignment.city_id)
            .where(RoleAssignment.person_id == person_id)
        ).all()
    cities = {code for _, code in roles}
    if roles and all(role in team for role, _ in roles) and len(cities) == 1:
        return cities.pop()
    return None


def where_is(sessions: sessionmaker[Session], code: str) -> tuple[str, date | None] | None:
    """A city's stage and the due date of the report it owes next (None if no such city)."""
    with sessions() as s:
        state = s.scalar(select(City.state).where(City.code == code))
        report_due = s.scalar(
            select(Deadline.due_on)
            .join(City, City.id == Deadline.city_id)
            .where(City.code == code, Deadline.kind == "report", Deadline.state == "open")
            .where(~Deadline.subject.startswith(REVIEW, autoescape=True))  # a review is the coach's, not owed
            .order_by(Deadline.due_on)
            .limit(1)
        )
    return None if state is None else (state, report_due)


@dataclass(frozen=True)
class Project:
    """One line of the network's registry: a city, where it stands, its plan, and whom to call."""

    city: str
    name: str
    state: str
    plan: str | None
    contacts: tuple[tuple[str, str, str], ...]  # role, name, email


def registry(sessions: sessionmaker[Session]) -> tuple[list[Project], list[tuple[str, str]]]:
    """Every city's project and points of contact, and the secretariat's people (name, email)."""
    with sessions() as s:
        plans = {
            city_id: title
            for city_id, title in s.execute(select(Plan.city_id, Plan.title).order_by(Plan.city_id, Plan.number))
        }
        people: dict[int, list[tuple[str, str, str]]] = {}
        secretariat: list[tuple[str, str]] = []
        for city_id, role, name, email in s.execute(
            select(RoleAssignment.city_id, RoleAssignment.role, Person.name, Person.email)
            .join(Person, Person.id == RoleAssignment.person_id)
            .where(RoleAssignment.role.in_(("city_lead", "coach", "secretariat")))
            .order_by(RoleAssignment.role, Person.name)
        ):
            if city_id is None:
                secretariat.append((name, email))
            else:
                people.setdefault(city_id, []).append((role, name, email))
        projects = [
            Project(c.code, c.name, c.state, plans.get(c.id), tuple(people.get(c.id, [])))
            for c in s.scalars(select(City).order_by(City.code))
        ]
    return projects, secretariat


def names_of(sessions: sessionmaker[Session], emails: set[str]) -> dict[str, str]:
    """People's names by email: pages name who did what, as people call them."""
    if not emails:
        return {}
    with sessions() as s:
        return {e: n for e, n in s.execute(select(Person.email, Person.name).where(Person.email.in_(emails)))}


def roles_here(sessions: sessionmaker[Session], person_id: int, code: str) -> set[str]:
    """The roles a person holds for one city and network-wide: whose clock a page shows them (city's or network's)."""
    with sessions() as s:
        city_id = s.scalar(select(City.id).where(City.code == code))
        return set(
            s.scalars(
                select(RoleAssignment.role).where(
                    RoleAssignment.person_id == person_id,
                    (RoleAssignment.city_id == city_id) | RoleAssignment.city_id.is_(None),
                )
            )
        )
