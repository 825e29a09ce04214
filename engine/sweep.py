"""The sweep: every reminder rung due at a moment becomes outbox messages, exactly once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast

from sqlalchemy import Row, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.act import aware
from engine.notify import email_row
from engine.timers import ALARM, REPORT, SILENT
from models import AuditEvent, City, Deadline, OutboxMessage, Person, RoleAssignment, Rung
from models.db import writing
from models.types import UTCDateTime
from states import Role

BATCH = 500
AUDIENCE_ROLES: dict[str, tuple[Role, ...]] = {
    "city": (Role.CITY_LEAD, Role.CITY_MEMBER),
    "coach": (Role.COACH,),
    "mayor": (Role.MAYOR,),
    "secretariat": (Role.SECRETARIAT,),
    "finance": (Role.FINANCE,),
}
OUTBOX = cast(Table, OutboxMessage.__table__)
DEADLINES = cast(Table, Deadline.__table__)
ROLE_AUDIENCE = {role.value: audience for audience, roles in AUDIENCE_ROLES.items() for role in roles}
Readers = dict[str, list[tuple[int, str]]]


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
    network: Readers | None = None
    while True:
        with sessions.begin() as s:
            writing(s)
            network = _network(s) if network is None else network
            taken = _fire_batch(s, report, batch, network)
        if taken < batch:
            return report


def _fire_batch(s: Session, report: SweepReport, batch: int, network: Readers) -> int:
    """One batch: lock due deadlines, fire or skip their due rungs, move their next fire time.

    Reads only the columns it needs and writes in bulk (no ORM objects): its cost is a few statements
    per batch, whatever the number of cities.
    """
    at = report.at
    deadlines = s.execute(
        select(
            Deadline.id,
            Deadline.city_id,
            Deadline.kind,
            Deadline.subject,
            Deadline.due_on,
            Deadline.extended_days,
            Deadline.opened_at,
        )
        .where(Deadline.next_fire_at <= at)
        .order_by(Deadline.next_fire_at, Deadline.id)
        .limit(batch)
        .with_for_update(skip_locked=True, of=Deadline)
    ).all()
    if not deadlines:
        return 0
    pending: dict[int, list[Row[tuple[int, int, int, str, datetime]]]] = defaultdict(list)
    for rung in s.execute(
        select(Rung.id, Rung.deadline_id, Rung.business_days, Rung.audience, Rung.fire_at)
        .where(Rung.deadline_id.in_([d.id for d in deadlines]), Rung.state == "pending")
        .order_by(Rung.deadline_id, Rung.fire_at, Rung.seq)
    ):
        pending[rung.deadline_id].append(rung)
    city_ids = {d.city_id for d in deadlines}
    cities = {c.id: c for c in s.execute(select(City.id, City.code, City.state).where(City.id.in_(city_ids)))}
    silent = {d.city_id for d in deadlines if d.subject == SILENT}
    heard = _last_acts(s, silent) if silent else {}
    people = _recipients(s, city_ids, network)
    fired: list[int] = []
    skipped: list[int] = []
    gone_off: list[int] = []  # one-shot alarms (a silent city) close once they have told
    moves: list[dict[str, object]] = []
    messages: list[dict[str, object]] = []
    for d in deadlines:
        due = [r for r in pending[d.id] if r.fire_at <= at]
        later = [r for r in pending[d.id] if r.fire_at > at]
        moves.append({"deadline": d.id, "next": later[0].fire_at if later else None})
        if not due:
            continue
        *stale, rung = due
        code = cities[d.city_id].code
        for old in stale:
            skipped.append(old.id)
            report.skipped.append(Skipped(code, d.subject, old.business_days, old.audience, old.fire_at))
        fired.append(rung.id)
        if d.subject == SILENT:
            gone_off.append(d.id)
        readers = people.get((d.city_id, rung.audience))
        kind = _kind(d, rung.audience)
        if not readers:  # nobody holds the role: the secretariat is told, as an escalation, not as the team's reminder
            readers, kind = network.get("secretariat", []), _kind(d, "secretariat")
        stage = cities[d.city_id].state
        since = heard.get(d.city_id) if d.subject == SILENT else None
        messages += [_message(code, stage, kind, d, rung, d.city_id, pid, len(stale), at, since) for pid, _ in readers]
        report.fired.append(
            Fired(
                code,
                d.subject,
                d.due_on.isoformat(),
                rung.business_days,
                rung.audience,
                rung.fire_at,
                tuple(email for _, email in readers),
            )
        )
    for ids, state in ((fired, "fired"), (skipped, "skipped")):
        if ids:
            s.execute(update(Rung).where(Rung.id.in_(ids)).values(state=state, fired_at=at))
    s.execute(
        update(DEADLINES)
        .where(DEADLINES.c.id == bindparam("deadline"))
        .values(next_fire_at=bindparam("next", type_=UTCDateTime())),
        moves,
    )
    if gone_off:
        s.execute(
            update(DEADLINES).where(DEADLINES.c.id.in_(gone_off)).values(state="met", closed_at=at, next_fire_at=None)
        )
    if messages:
        s.execute(insert(OUTBOX), messages)  # Core executemany: no RETURNING, the ids are never read
    return len(deadlines)


def _kind(deadline: Row[tuple[int, int, str, str, date, int, datetime]], audience: str) -> str:
    """The catalogue's kind for a rung: an alarm, a report due, a stage reminder, or an escalation."""
    if deadline.kind == ALARM:
        return f"alarm.{deadline.subject}"
    if audience == "city":
        return "report_due" if deadline.kind == REPORT else "deadline.reminder"
    return f"deadline.escalation.{audience}"


def _last_acts(s: Session, city_ids: set[int]) -> dict[int, datetime]:
    """When each silent city last acted: what its alarm says it has been silent since."""
    rows = s.execute(
        select(AuditEvent.city_id, func.max(AuditEvent.at))
        .where(AuditEvent.city_id.in_(city_ids))
        .group_by(AuditEvent.city_id)
    )
    return {city_id: at for city_id, at in rows.tuples()}


def _message(
    code: str,
    stage: str,
    kind: str,
    deadline: Row[tuple[int, int, str, str, date, int, datetime]],
    rung: Row[tuple[int, int, int, str, datetime]],
    city_id: int,
    person_id: int,
    skipped: int,
    at: datetime,
    since: datetime | None,
) -> dict[str, object]:
    """One reader's reminder or escalation, keyed by (rung, reader) so it can exist only once."""
    payload = {
        "city": code,
        "subject": deadline.subject,
        "due_on": deadline.due_on.isoformat(),
        "business_days": rung.business_days,
        "audience": rung.audience,
        "extended_days": deadline.extended_days,
        "skipped_before": skipped,
        "stage": stage,
        "since": deadline.opened_at.date().isoformat(),
    }
    return email_row(f"rung:{rung.id}:{person_id}", kind, city_id, person_id, payload, at)


def _network(s: Session) -> Readers:
    """Network-wide readers (secretariat, finance), read once per sweep."""
    found: Readers = defaultdict(list)
    for role, person_id, email in s.execute(
        select(RoleAssignment.role, Person.id, Person.email)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(RoleAssignment.city_id.is_(None), RoleAssignment.role.in_(ROLE_AUDIENCE))
        .order_by(Person.email)
    ):
        found[ROLE_AUDIENCE[role]].append((person_id, email))
    return dict(found)


def _recipients(s: Session, city_ids: set[int], network: Readers) -> dict[tuple[int, str], list[tuple[int, str]]]:
    """Who reads each audience of each city in the batch, in one query; network roles from the sweep's cache."""
    found: dict[tuple[int, str], list[tuple[int, str]]] = defaultdict(list)
    for city_id, role, person_id, email in s.execute(
        select(RoleAssignment.city_id, RoleAssignment.role, Person.id, Person.email)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(RoleAssignment.city_id.in_(city_ids), RoleAssignment.role.in_(ROLE_AUDIENCE))
        .order_by(Person.email)
    ):
        found[(city_id, ROLE_AUDIENCE[role])].append((person_id, email))
    for audience, readers in network.items():
        for city_id in city_ids:
            found[(city_id, audience)] = readers
    return found
