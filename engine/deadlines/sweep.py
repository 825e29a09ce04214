"""The sweep: every reminder rung due at a moment becomes outbox messages, exactly once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.deadlines.timers import ALARM, REPORT, SILENT, STAGE, waits_on
from engine.journey.notify import email_row
from engine.lookups import aware
from models import AuditEvent, City, Deadline, OutboxMessage, ProgrammeVersion, Rung
from models.db import writing
from models.programme import Definition, decoded
from models.types import UTCDateTime
from notifications.readers import AUDIENCE_ROLES, Reader, Readership, readers, zone_of

BATCH = 500
EARLY = 5  # a stage's rungs up to this many working days late remind; later ones escalate
OUTBOX = cast(Table, OutboxMessage.__table__)
DEADLINES = cast(Table, Deadline.__table__)
RUNGS = cast(Table, Rung.__table__)
RECHECK = timedelta(days=7)
ROLES = tuple(dict.fromkeys(role for roles in AUDIENCE_ROLES.values() for role in roles))


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
    via: str = "message"  # or "digest": the secretariat reads it in its digest, which lists the late city anyway


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
    pending: dict[int, list[Row[int, int, int, str, datetime]]] = defaultdict(list)
    for rung in s.execute(
        select(Rung.id, Rung.deadline_id, Rung.business_days, Rung.audience, Rung.fire_at)
        .where(Rung.deadline_id.in_([d.id for d in deadlines]), Rung.state == "pending")
        .order_by(Rung.deadline_id, Rung.fire_at, Rung.seq)
    ):
        pending[rung.deadline_id].append(rung)
    city_ids = {d.city_id for d in deadlines}
    cities = {
        c.id: c
        for c in s.execute(
            select(City.id, City.code, City.state, City.timezone, ProgrammeVersion.digest, ProgrammeVersion.definition)
            .join(ProgrammeVersion, ProgrammeVersion.id == City.definition_id)
            .where(City.id.in_(city_ids))
        )
    }
    silent = {d.city_id for d in deadlines if d.subject == SILENT}
    heard = _last_acts(s, silent) if silent else {}
    behind = _late(s, silent, at) if silent else set()
    people = readers(s, city_ids, ROLES)
    reached = _reached_secretariat(s, people, {d.id: d.city_id for d in deadlines})
    fired: list[int] = []
    skipped: list[int] = []
    gone_off: list[int] = []  # one-shot alarms (a silent city) close once they have told
    postponed: list[dict[str, object]] = []  # silent-city alarms of cities that owe nothing late yet
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
        if d.subject == SILENT:
            if d.city_id not in behind:  # quiet, but nothing it owes is late yet: look again in a week
                later_on = rung.fire_at + RECHECK  # the same weekday and hour: the secretariat's working morning
                while later_on <= at:
                    later_on += RECHECK
                postponed.append({"rung": rung.id, "fire": later_on})
                moves[-1]["next"] = min([later_on, *(r.fire_at for r in later)])
                continue
            gone_off.append(d.id)
        fired.append(rung.id)
        audience, kind = rung.audience, _kind(d, rung.audience, rung.business_days)
        told = people.audience(d.city_id, audience)
        if not told:  # nobody holds the role: the secretariat is told, as an escalation, not as the team's reminder
            audience, kind = "secretariat", _kind(d, "secretariat", rung.business_days)
            told = people.audience(d.city_id, audience)
        city = cities[d.city_id]
        definition = decoded(city.digest, city.definition)
        since = heard.get(d.city_id) if d.subject == SILENT else None
        via = "digest" if _digest_only(d, kind, d.id in reached) else "message"
        for reader in told if via == "message" else ():
            row = _message(code, city.state, kind, d, rung, d.city_id, reader.person_id, len(stale), at, since)
            row["next_attempt_at"] = _their_hour(reader, audience, rung.fire_at, city.timezone, definition, at)
            messages.append(row)
        report.fired.append(
            Fired(
                code,
                d.subject,
                d.due_on.isoformat(),
                rung.business_days,
                rung.audience,
                rung.fire_at,
                tuple(reader.email for reader in told),
                via,
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
    if postponed:
        s.execute(
            update(RUNGS).where(RUNGS.c.id == bindparam("rung")).values(fire_at=bindparam("fire", type_=UTCDateTime())),
            postponed,
        )
    if gone_off:
        s.execute(
            update(DEADLINES).where(DEADLINES.c.id.in_(gone_off)).values(state="met", closed_at=at, next_fire_at=None)
        )
    if messages:
        s.execute(insert(OUTBOX), messages)  # Core executemany: no RETURNING, the ids are never read
    return len(deadlines)


def _kind(deadline: Row[int, int, str, str, date, int, datetime], audience: str, business_days: int) -> str:
    """The catalogue's kind for a rung: an alarm, a report due, a stage reminder, or an escalation.

    A stage's early rungs (up to 5 working days late) remind whoever the stage waits on; later ones escalate.
    """
    if deadline.kind == ALARM:
        return f"alarm.{deadline.subject}"
    if audience == "city":
        return "report_due" if deadline.kind == REPORT else "deadline.reminder"
    party = waits_on(deadline.kind, deadline.subject)
    if audience == "committee" or (audience == party and business_days <= EARLY):
        return "deadline.reminder"
    return f"deadline.escalation.{audience}"


def _digest_only(deadline: Row[int, int, str, str, date, int, datetime], kind: str, reached: bool) -> bool:
    """Said in the secretariat's digest, not by a message of its own: what repeats what the digest lists.

    A silent city is always a late one (its alarm waits until it is), and the digest lists every late city each
    week with its lateness and the alarms since the last one. A deadline escalates to the secretariat at once the
    first time; its later rungs (its own, or rungs it stands in for) would say again what the digest says.
    """
    return deadline.subject == SILENT or (kind == "deadline.escalation.secretariat" and reached)


def _reached_secretariat(s: Session, people: Readership, city_of: dict[int, int]) -> set[int]:
    """The deadlines an earlier rung already took to the secretariat (its own rung, or one nobody else holds)."""
    rows = s.execute(
        select(Rung.deadline_id, Rung.audience).where(Rung.deadline_id.in_(city_of), Rung.state == "fired").distinct()
    )
    return {
        deadline
        for deadline, audience in rows
        if audience == "secretariat" or not people.audience(city_of[deadline], audience)
    }


def _late(s: Session, city_ids: set[int], at: datetime) -> set[int]:
    """The cities with a stage or report deadline past its date: a silence there is worth an alarm."""
    return set(
        s.scalars(
            select(Deadline.city_id).where(
                Deadline.city_id.in_(city_ids),
                Deadline.state == "open",
                Deadline.kind.in_((STAGE, REPORT)),
                Deadline.frozen_at.is_(None),
                Deadline.due_on < at.date(),
            )
        )
    )


def _last_acts(s: Session, city_ids: set[int]) -> dict[int, datetime]:
    """When each silent city last acted: what its alarm says it has been silent since."""
    rows = s.execute(
        select(AuditEvent.city_id, func.max(AuditEvent.at))
        .where(AuditEvent.city_id.in_(city_ids))
        .group_by(AuditEvent.city_id)
    )
    return {city_id: at for city_id, at in rows}


def _message(
    code: str,
    stage: str,
    kind: str,
    deadline: Row[int, int, str, str, date, int, datetime],
    rung: Row[int, int, int, str, datetime],
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


def _their_hour(
    reader: Reader, audience: str, fire_at: datetime, city_zone: str, definition: Definition, at: datetime
) -> datetime:
    """When a reader gets the rung: the working hour in their zone (their own, else their role's), on the rung's day.

    The rung fires at its audience's hour; a reader whose hour comes later (one further west, or the secretariat
    standing in for a city further east) is held until then; one further east gets it when it fires.
    """
    zone = ZoneInfo(zone_of(reader.timezone, audience, city_zone, definition.timezone))
    day = fire_at.astimezone(zone).date()
    return max(at, datetime.combine(day, definition.reminder_hour, tzinfo=zone).astimezone(UTC))


def agenda(sessions: sessionmaker[Session], start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """Where a simulated clock must stop before `end`: each moment a rung falls due ("sweep") or a queued message
    may leave ("deliver"), none before `start`. The demo stops there, so each message leaves at its own time."""
    start, end = aware(start), aware(end)
    with sessions() as s:
        rungs = s.scalars(select(Deadline.next_fire_at).where(Deadline.next_fire_at < end).distinct())
        held = s.scalars(
            select(OutboxMessage.next_attempt_at)
            .where(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at < end)
            .distinct()
        )
        moments = {(max(aware(t), start), "sweep") for t in rungs if t} | {
            (max(aware(t), start), "deliver") for t in held
        }
    return sorted(moments)
