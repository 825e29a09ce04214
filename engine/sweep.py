"""The sweep: every reminder rung due at a moment becomes outbox messages, exactly once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from engine.act import aware
from models import City, Deadline, OutboxMessage, Person, RoleAssignment, Rung
from models.db import writing
from states import Role

BATCH = 500
AUDIENCE_ROLES: dict[str, tuple[Role, ...]] = {
    "city": (Role.CITY_LEAD, Role.CITY_MEMBER),
    "coach": (Role.COACH,),
    "mayor": (Role.MAYOR,),
    "secretariat": (Role.SECRETARIAT,),
    "finance": (Role.FINANCE,),
}


@dataclass(frozen=True)
class Fired:
    """A rung that went out: to whom, about what."""

    city: str
    subject: str
    due_on: str
    business_days: int
    audience: str
    fire_at: datetime
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class Skipped:
    """A stale rung passed over while catching up (a later rung of the same ladder went instead)."""

    city: str
    subject: str
    business_days: int
    audience: str
    fire_at: datetime


@dataclass
class SweepReport:
    """What one sweep did."""

    at: datetime
    fired: list[Fired] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def sweep(sessions: sessionmaker[Session], at: datetime, *, batch: int = BATCH) -> SweepReport:
    """Fire every rung due at `at`, batch by batch, each batch one transaction; safe to run twice or in parallel.

    Deadlines are taken by their indexed next fire time, locked with SKIP LOCKED on PostgreSQL (SQLite
    serialises writers), so the cost follows the rungs due, not the number of cities. After downtime only
    the latest due rung of a ladder fires; the earlier ones are recorded as skipped.
    """
    report = SweepReport(aware(at))
    while True:
        with sessions.begin() as s:
            writing(s)
            taken = _fire_batch(s, report, batch)
        if taken < batch:
            return report


def _fire_batch(s: Session, report: SweepReport, batch: int) -> int:
    """One batch: lock due deadlines, fire or skip their due rungs, move their next fire time."""
    at = report.at
    deadlines = list(
        s.scalars(
            select(Deadline)
            .where(Deadline.next_fire_at <= at)
            .order_by(Deadline.next_fire_at, Deadline.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
    if not deadlines:
        return 0
    pending: dict[int, list[Rung]] = defaultdict(list)
    for rung in s.scalars(
        select(Rung)
        .where(Rung.deadline_id.in_([d.id for d in deadlines]), Rung.state == "pending")
        .order_by(Rung.deadline_id, Rung.fire_at, Rung.seq)
    ):
        pending[rung.deadline_id].append(rung)
    cities = {c.id: c for c in s.scalars(select(City).where(City.id.in_({d.city_id for d in deadlines})))}
    people = _recipients(s, set(cities))
    messages: list[OutboxMessage] = []
    for deadline in deadlines:
        city = cities[deadline.city_id]
        due = [r for r in pending[deadline.id] if r.fire_at <= at]
        later = [r for r in pending[deadline.id] if r.fire_at > at]
        deadline.next_fire_at = later[0].fire_at if later else None
        if not due:
            continue
        *stale, rung = due
        for old in stale:
            old.state, old.fired_at = "skipped", at
            report.skipped.append(Skipped(city.code, deadline.subject, old.business_days, old.audience, old.fire_at))
        rung.state, rung.fired_at = "fired", at
        readers = people.get((city.id, rung.audience)) or people.get((None, "secretariat"), [])
        messages += [_message(city, deadline, rung, pid, len(stale), at) for pid, _ in readers]
        report.fired.append(
            Fired(
                city.code,
                deadline.subject,
                deadline.due_on.isoformat(),
                rung.business_days,
                rung.audience,
                rung.fire_at,
                tuple(email for _, email in readers),
            )
        )
    s.add_all(messages)
    return len(deadlines)


def _message(city: City, deadline: Deadline, rung: Rung, person_id: int, skipped: int, at: datetime) -> OutboxMessage:
    """One reader's reminder or escalation, keyed by (rung, reader) so it can exist only once."""
    return OutboxMessage(
        key=f"rung:{rung.id}:{person_id}",
        kind="deadline.reminder" if rung.audience == "city" else f"deadline.escalation.{rung.audience}",
        channel="email",
        city_id=city.id,
        recipient_id=person_id,
        payload={
            "city": city.code,
            "subject": deadline.subject,
            "due_on": deadline.due_on.isoformat(),
            "business_days": rung.business_days,
            "audience": rung.audience,
            "extended_days": deadline.extended_days,
            "skipped_before": skipped,
        },
        created_at=at,
        next_attempt_at=at,
    )


def _recipients(s: Session, city_ids: set[int]) -> dict[tuple[int | None, str], list[tuple[int, str]]]:
    """Who reads each audience of each city (network roles under city None), in one query."""
    role_audience = {role.value: audience for audience, roles in AUDIENCE_ROLES.items() for role in roles}
    rows = s.execute(
        select(RoleAssignment.city_id, RoleAssignment.role, Person.id, Person.email)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(
            RoleAssignment.role.in_(role_audience),
            or_(RoleAssignment.city_id.in_(city_ids), RoleAssignment.city_id.is_(None)),
        )
        .order_by(Person.email)
    )
    found: dict[tuple[int | None, str], list[tuple[int, str]]] = defaultdict(list)
    network: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for city_id, role, person_id, email in rows:
        if city_id is None:
            network[role_audience[role]].append((person_id, email))
        else:
            found[(city_id, role_audience[role])].append((person_id, email))
    for audience, readers in network.items():
        found[(None, audience)] = readers
        for city_id in city_ids:
            found[(city_id, audience)] = readers
    return found
