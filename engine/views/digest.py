"""The secretariat's weekly digest and the network bulletin: short, regular, the same facts for everyone."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session, sessionmaker

from engine.deadlines.timers import ALARM
from engine.journey.notify import email_row, queue_new
from engine.lookups import aware
from engine.views.queries import deadlines
from models import AuditEvent, City, Deadline, OutboxMessage, Person, Programme, Rung
from models.db import writing
from notifications.readers import holders
from states import CITY_JOURNEY, Role

OUTBOX = cast(Table, OutboxMessage.__table__)
WEEK = timedelta(days=7)
TIMED = ("stage", "report")
EVERYONE = tuple(role.value for role in Role if role is not Role.SECRETARIAT)  # the digest tells the secretariat


def _week(at: datetime) -> str:
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def _queue(
    s: Session, code: str, stem: str, kind: str, people: list[int], payload: dict[str, Any], at: datetime
) -> int:
    """One row per reader under a key naming the week: running it twice in a week sends nothing more."""
    return queue_new(s, [email_row(f"{kind}:{code}:{stem}:{pid}", kind, None, pid, payload, at) for pid in people])


def weekly_digest(sessions: sessionmaker[Session], at: datetime) -> int:
    """For each programme, the week in one message to each secretariat member: pipeline, overdue, alarms, failures."""
    at = aware(at)
    since = at - WEEK
    late = deadlines(sessions, at, overdue=True)
    written = 0
    with sessions.begin() as s:
        writing(s)
        people = holders(s, (), ("secretariat",))
        for programme in s.scalars(select(Programme).order_by(Programme.code)):
            cities = {c.code: c for c in s.scalars(select(City).where(City.programme_id == programme.id))}
            by_stage = Counter(c.state for c in cities.values())
            alarms = s.execute(
                select(City.name, Deadline.subject, Deadline.due_on)
                .join(Deadline, Deadline.city_id == City.id)
                .join(Rung, Rung.deadline_id == Deadline.id)
                .where(
                    City.programme_id == programme.id,
                    Deadline.kind == ALARM,
                    Rung.state == "fired",
                    Rung.fired_at > since,
                    Rung.fired_at <= at,
                )
                .order_by(Deadline.due_on, City.name)
            ).all()
            mine = select(City.id).where(City.programme_id == programme.id)
            failed = s.execute(
                select(Person.email, OutboxMessage.kind, OutboxMessage.last_error)
                .join(Person, Person.id == OutboxMessage.recipient_id)
                .where(
                    OutboxMessage.state == "failed",
                    OutboxMessage.failed_at > since,
                    OutboxMessage.city_id.in_(mine) | OutboxMessage.city_id.is_(None),
                )
                .order_by(OutboxMessage.id)
            ).all()
            payload = {
                "programme": programme.code,
                "since": since.date().isoformat(),
                "until": at.date().isoformat(),
                "pipeline": [[s.name, by_stage[s.name]] for s in CITY_JOURNEY.states if by_stage[s.name]],
                "overdue": [
                    [cities[d.city].name, d.subject, d.due_on.isoformat(), d.late_by]
                    for d in late
                    if d.city in cities and d.kind in TIMED and not d.frozen
                ],
                "alarms": [[a.name, a.subject, a.due_on.isoformat()] for a in alarms],
                "failed": [[f.email, f.kind, f.last_error or ""] for f in failed],
            }
            written += _queue(s, programme.code, _week(at), "weekly_digest", people, payload, at)
    return written


def network_bulletin(sessions: sessionmaker[Session], at: datetime, *, weeks: int = 4) -> int:
    """For each programme, everyone in it gets the same list: deadlines of the coming weeks and recent moves."""
    at = aware(at)
    until = at + timedelta(weeks=weeks)
    written = 0
    with sessions.begin() as s:
        writing(s)
        for programme in s.scalars(select(Programme).order_by(Programme.code)):
            ids = select(City.id).where(City.programme_id == programme.id)
            upcoming = s.execute(
                select(City.name, Deadline.subject, Deadline.due_on)
                .join(Deadline, Deadline.city_id == City.id)
                .where(
                    City.id.in_(ids),
                    Deadline.state == "open",
                    Deadline.kind.in_(TIMED),
                    Deadline.frozen_at.is_(None),
                    Deadline.due_on >= at.date(),
                    Deadline.due_on <= until.date(),
                )
                .order_by(Deadline.due_on, City.name)
            ).all()
            moves = s.execute(
                select(City.name, AuditEvent.to_state, AuditEvent.at)
                .join(AuditEvent, AuditEvent.city_id == City.id)
                .where(City.id.in_(ids), AuditEvent.at > at - 2 * WEEK, AuditEvent.at <= at)
                .where(AuditEvent.to_state != AuditEvent.from_state)
                .order_by(AuditEvent.at, City.name)
            ).all()
            people = holders(s, s.scalars(ids), EVERYONE)
            payload = {
                "programme": programme.code,
                "upcoming": [[u.name, u.subject, u.due_on.isoformat()] for u in upcoming],
                "moves": [[m.name, m.to_state, m.at.date().isoformat()] for m in moves],
            }
            written += _queue(s, programme.code, _week(at), "network_bulletin", people, payload, at)
    return written
