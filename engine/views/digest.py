"""The secretariat's weekly digest and the network bulletin: short, regular, the same facts for everyone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.deadlines.timers import ALARM, REVIEW, waits_on
from engine.journey.notify import email_row, queue_new
from engine.lookups import aware
from engine.views.queries import DeadlineRow, deadlines
from models import AuditEvent, City, Deadline, OutboxMessage, Person, Programme, Rung
from models.db import writing
from notifications.readers import AUDIENCE_ROLES, holders
from notifications.words import LANGUAGES, act_name
from states import CITY_JOURNEY, Role, Tag

OUTBOX = cast(Table, OutboxMessage.__table__)
WEEK = timedelta(days=7)
QUIET = timedelta(days=28)  # with nothing late, the secretariat's news waits at most four weeks for its digest
TIMED = ("stage", "report")
ENDED = CITY_JOURNEY.tagged(Tag.TERMINAL)
PAUSED = CITY_JOURNEY.tagged(Tag.PAUSED)
QUIET_ACTS = ("acknowledge",)  # "I have seen this reminder" is not news
WAITS_ON = {"city": "city_member", "committee": "committee_member"}  # a party as the role that names it
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
    """For each programme, city by city, to each secretariat member: only when there is something to say.

    Sent on a run (Monday morning) when a city is late, an alarm went off or a message failed since the last
    digest: every late city is in it, so nothing late goes unseen; otherwise once four weeks have passed with
    news (a payment, a pause, a plan sent to its committee): the secretariat hears of those here, not one by one.
    """
    at = aware(at)
    nearest: dict[str, DeadlineRow] = {}
    for d in deadlines(sessions, at):
        if d.kind in TIMED:
            nearest.setdefault(d.city, d)  # soonest due first: the deadline a city is held to now
    written = 0
    with sessions.begin() as s:
        writing(s)
        people = holders(s, (), ("secretariat",))
        for programme in s.scalars(select(Programme).order_by(Programme.code)):
            last = _last_digest(s, programme.code)
            since = last or at - QUIET
            payload = _week_of(s, programme, nearest, since, at)
            needed = payload["late"] or payload["alarms"] or payload["failed"]
            if not needed and not (payload["news"] and (last is None or at - last >= QUIET)):
                continue  # nothing late, nothing new to act on: no digest this week, never an empty one
            written += _queue(s, programme.code, _week(at), "weekly_digest", people, payload, at)
    return written


def _last_digest(s: Session, programme: str) -> datetime | None:
    """When the programme's last digest was written: what the next one tells the news since."""
    return s.scalar(
        select(func.max(OutboxMessage.created_at)).where(
            OutboxMessage.kind == "weekly_digest", OutboxMessage.key.like(f"weekly_digest:{programme}:%")
        )
    )


def _week_of(
    s: Session, programme: Programme, nearest: dict[str, DeadlineRow], since: datetime, at: datetime
) -> dict[str, Any]:
    """The digest's facts: each city's stage, deadline, lateness and whose move; alarms and failures since."""
    cities = list(s.scalars(select(City).where(City.programme_id == programme.id).order_by(City.name)))
    news = _news(s, [c.id for c in cities], since, at)
    rows = [
        _city(s, c, nearest.get(c.code), news.get(c.id, []))
        for c in cities
        if c.state not in ENDED or news.get(c.id)  # a city that left or finished shows once, with its last news
    ]
    late = [r for r in rows if r["late_by"]]
    alarms = s.execute(
        select(City.name, Deadline.subject, Rung.fired_at, Deadline.opened_at)
        .join(Deadline, Deadline.city_id == City.id)
        .join(Rung, Rung.deadline_id == Deadline.id)
        .where(
            City.programme_id == programme.id,
            Deadline.kind == ALARM,
            Rung.state == "fired",
            Rung.fired_at > since,
            Rung.fired_at <= at,
        )
        .order_by(Rung.fired_at, City.name)
    ).all()
    return {
        "programme": programme.code,
        "since": since.date().isoformat(),
        "until": at.date().isoformat(),
        "late": len(late),
        "cities": sorted(late, key=lambda r: -int(r["late_by"])) + [r for r in rows if not r["late_by"]],
        "news": sum(len(r["news"]) for r in rows),
        "alarms": [[a.name, a.subject, a.fired_at.date().isoformat(), a.opened_at.date().isoformat()] for a in alarms],
        "failed": _failed(s, [c.id for c in cities], since),
    }


def _city(s: Session, city: City, deadline: DeadlineRow | None, news: list[list[Any]]) -> dict[str, Any]:
    """One city's line: where it stands, what it is held to, how late, what it waits on and from whom (the
    stage's party, or the coach while a report it sent waits on their review)."""
    party = None if city.state in ENDED or city.state in PAUSED else CITY_JOURNEY.waits_on(city.state)
    if party and deadline and deadline.subject.startswith(REVIEW):
        party = waits_on(deadline.kind, deadline.subject)  # a report under review waits on the coach, not the city
    live = deadline is not None and not deadline.frozen
    return {
        "name": city.name,
        "stage": city.state,
        "subject": deadline.subject if deadline else None,
        "due_on": deadline.due_on.isoformat() if deadline else None,
        "late_by": deadline.late_by if deadline and live else 0,
        "very_late": bool(deadline and live and deadline.mark == "very late"),
        "waits_on": WAITS_ON.get(party or "", party),  # a role, said in the reader's words
        "who": ", ".join(_names(s, city.id, AUDIENCE_ROLES[party])) if party else "",
        "news": news,
    }


def _names(s: Session, city_id: int, roles: tuple[str, ...]) -> list[str]:
    """The people holding these roles for the city (or network-wide), by name."""
    ids = holders(s, (city_id,), roles)
    return list(s.scalars(select(Person.name).where(Person.id.in_(ids)).order_by(Person.name))) if ids else []


def _news(s: Session, city_ids: list[int], since: datetime, at: datetime) -> dict[int, list[list[Any]]]:
    """What each city's people did since the last digest: the act in each language, when, by whom."""
    found: dict[int, list[list[Any]]] = {}
    acts = set(CITY_JOURNEY.triggers)
    for city_id, trigger, actor, when in s.execute(
        select(AuditEvent.city_id, AuditEvent.trigger, AuditEvent.actor, AuditEvent.at)
        .where(AuditEvent.city_id.in_(city_ids), AuditEvent.at > since, AuditEvent.at <= at)
        .order_by(AuditEvent.at, AuditEvent.seq)
    ):
        if trigger in acts and trigger not in QUIET_ACTS:
            english = CITY_JOURNEY.transition(trigger).label
            names = {lang: act_name(trigger, english, lang) for lang in LANGUAGES}
            found.setdefault(city_id, []).append([when.date().isoformat(), names, _actor(s, actor)])
    return found


def _actor(s: Session, actor: str) -> str:
    """Who acted, by name; nobody named when it was no person (an import)."""
    return s.scalar(select(Person.name).where(Person.email == actor)) or ""


def _failed(s: Session, city_ids: list[int], since: datetime) -> list[list[str]]:
    """Messages that could not be delivered since the last digest: to whom, about which city, the server's words."""
    rows = s.execute(
        select(Person.name, Person.email, City.name, OutboxMessage.failed_at, OutboxMessage.last_error)
        .join(Person, Person.id == OutboxMessage.recipient_id)
        .outerjoin(City, City.id == OutboxMessage.city_id)
        .where(
            OutboxMessage.state == "failed",
            OutboxMessage.failed_at > since,
            OutboxMessage.city_id.in_(city_ids) | OutboxMessage.city_id.is_(None),
        )
        .order_by(OutboxMessage.id)
    )
    return [
        [f"{name} <{email}>", city or "", failed_at.date().isoformat() if failed_at else "", error or ""]
        for name, email, city, failed_at, error in rows
    ]


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
