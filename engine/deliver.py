"""Delivery: outbox rows claimed, said in each reader's language, sent, and their fate recorded, exactly once.

A row is claimed for a lease (state 'sending'); each message is marked sent in its own commit the moment the
server takes it. A process killed between the server's answer and that commit leaves one row to go again
after the lease, with the same Message-ID: at most the message in flight repeats, nothing is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.act import aware
from engine.errors import InvalidData
from engine.ics import deadline_file
from models import City, OutboxMessage, Person, Programme, ProgrammeVersion, RoleAssignment
from models.db import writing
from models.settings import Settings
from notifications.catalogue import KINDS, Kind
from notifications.channels import (
    Address,
    Attachment,
    Channel,
    ChannelDown,
    Failed,
    HeaderRefused,
    Outgoing,
    Retry,
    Sent,
    parse_address,
)
from notifications.email import EmailChannel, SmtpSettings
from notifications.render import language_for, render
from notifications.words import subject_name

BATCH = 100
LEASE = timedelta(minutes=10)
BACKOFF = tuple(timedelta(minutes=m) for m in (1, 5, 15, 60, 180, 360, 720, 1440))
MAX_ATTEMPTS = len(BACKOFF)
CITY_SIDE = frozenset({"city_lead", "city_member", "mayor", "committee_member", "partner"})
CONTACT_ROLES = ("city_lead", "coach", "secretariat")


@dataclass(frozen=True)
class Delivered:
    """What became of one message in this run."""

    key: str
    kind: str
    to: str
    outcome: str  # sent, retry, failed
    answer: str
    message_id: str


@dataclass
class DeliveryReport:
    """One delivery run: each message's fate, and whether the channel could be reached at all."""

    at: datetime
    messages: list[Delivered] = field(default_factory=list)
    down: str | None = None
    waiting: int = 0  # rows put back because the channel was down

    def count(self, outcome: str) -> int:
        """How many messages ended this way."""
        return sum(1 for m in self.messages if m.outcome == outcome)


def email_channel(settings: Settings | None = None) -> EmailChannel:
    """Email on the JALON_SMTP_* settings; a sender or login that cannot work is said before anything is claimed."""
    settings = settings or Settings()
    try:
        return EmailChannel(
            SmtpSettings(
                host=settings.smtp_host,
                port=settings.smtp_port,
                security=settings.smtp_security,
                user=settings.smtp_user,
                password=settings.smtp_password,
                timeout=settings.smtp_timeout,
                sender=parse_address(settings.mail_from),
            )
        )
    except ValueError as exc:
        raise InvalidData(f"Mail settings: {exc}") from None


def backoff(attempts: int) -> timedelta:
    """1, 5, 15 minutes, then hours: a server down for a day is retried about ten times."""
    return BACKOFF[min(max(attempts, 1), MAX_ATTEMPTS) - 1]


def deliver(
    sessions: sessionmaker[Session],
    at: datetime,
    channel: Channel,
    *,
    batch: int = BATCH,
    lease: timedelta = LEASE,
) -> DeliveryReport:
    """Send every message due at `at`; safe to run from several processes at once (claims skip each other)."""
    report = DeliveryReport(aware(at))
    while True:
        claimed = _claim(sessions, report.at, batch, lease, channel.name)
        if not claimed:
            return report
        ready = _prepare(sessions, claimed, channel, report)
        left = list(ready)
        try:
            with channel.connect() as sender:
                for message, kind in ready:
                    _record(sessions, report, message, kind, sender.send(message))
                    left.pop(0)
        except ChannelDown as exc:
            report.down = str(exc)
            report.waiting = _release(sessions, [m.key for m, _ in left], report.at, str(exc))
            return report
        if len(claimed) < batch:
            return report


def _claim(sessions: sessionmaker[Session], at: datetime, batch: int, lease: timedelta, channel: str) -> list[int]:
    """Due rows, and rows whose sender died past its lease, marked 'sending' for this process."""
    with sessions.begin() as s:
        writing(s)
        ids = list(
            s.scalars(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.channel == channel,
                    or_(
                        and_(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= at),
                        and_(OutboxMessage.state == "sending", OutboxMessage.claimed_until <= at),
                    ),
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        )
        if ids:
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(state="sending", claimed_until=at + lease, attempts=OutboxMessage.attempts + 1)
                .execution_options(synchronize_session=False)
            )
    return ids


def _prepare(
    sessions: sessionmaker[Session], ids: Sequence[int], channel: Channel, report: DeliveryReport
) -> list[tuple[Outgoing, Kind]]:
    """Each claimed row said in its reader's language; a row that cannot be said fails now, with the reason."""
    ready = []
    with sessions() as s:
        rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)))
        readers = {p.id: p for p in s.scalars(select(Person).where(Person.id.in_({r.recipient_id for r in rows})))}
        looks = Lookups(s)
        for row in rows:
            kind = KINDS.get(row.kind)
            person = readers.get(row.recipient_id or 0)
            message_id = channel.message_id(row.key)
            try:
                if kind is None or person is None:
                    raise ValueError(f"no such kind or reader ({row.kind}, {row.recipient_id})")
                context, city_tz = looks.context(row, person, kind)
                rendered = render(kind.code, context["lang"], context)
                files = _calendar(kind, row.payload, context, city_tz, row.created_at)
                to = Address(person.name, person.email)
            except (TemplateError, ValueError, KeyError, HeaderRefused) as exc:
                _record_failure(sessions, report, row, message_id, f"cannot be written: {exc}")
                continue
            ready.append((Outgoing(row.key, message_id, to, rendered, report.at, files), kind))
    return ready


class Lookups:
    """What a batch of messages needs to know about cities, programmes and roles, each read once."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.cities: dict[int, City] = {}
        self.definitions: dict[int, dict[str, Any]] = {}
        self.contacts: dict[int | None, list[dict[str, str]]] = {}
        self.roles: dict[tuple[int, int | None], list[str]] = {}

    def city(self, city_id: int) -> City:
        """A city, read once per batch."""
        if city_id not in self.cities:
            self.cities[city_id] = self.s.get_one(City, city_id)
        return self.cities[city_id]

    def definition(self, version_id: int) -> dict[str, Any]:
        """A programme version's definition, read once per batch."""
        if version_id not in self.definitions:
            self.definitions[version_id] = self.s.get_one(ProgrammeVersion, version_id).definition
        return self.definitions[version_id]

    def latest(self, code: str) -> dict[str, Any]:
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

    def context(self, row: OutboxMessage, person: Person, kind: Kind) -> tuple[dict[str, Any], str | None]:
        """Everything a template may use, and the city's zone (for calendar files)."""
        payload = row.payload
        city = self.city(row.city_id) if row.city_id else None
        definition = self.definition(city.definition_id) if city else self.latest(payload["programme"])
        role = self.role(person.id, row.city_id, kind)
        tz = city.timezone if city and role in CITY_SIDE else definition["timezone"]
        language = language_for(
            person.language, city.languages.split(",") if city else [], definition.get("languages", [])
        )
        context = {
            "lang": language,
            "tz": tz,
            "reader": {"name": person.name, "email": person.email, "role": role},
            "city": {"code": city.code, "name": city.name, "country": city.country} if city else None,
            "programme": {"code": definition["code"], "name": definition["name"]},
            "contacts": self.people(row.city_id),
            "at": payload.get("at") or row.created_at.isoformat(),
            "event": payload,
        }
        return context, city.timezone if city else None


def _calendar(
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


def _finish(sessions: sessionmaker[Session], key: str, values: dict[str, Any]) -> None:
    with sessions.begin() as s:
        writing(s)
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key == key)
            .values(claimed_until=None, **values)
            .execution_options(synchronize_session=False)
        )


def _record(
    sessions: sessionmaker[Session], report: DeliveryReport, message: Outgoing, kind: Kind, outcome: Any
) -> None:
    """One message's fate, committed at once: a crash after this line can no longer repeat it."""
    at = report.at
    if isinstance(outcome, Sent):
        values: dict[str, Any] = {"state": "sent", "sent_at": at, "answer": outcome.answer, "last_error": None}
        verdict, said = "sent", outcome.answer
    elif isinstance(outcome, Retry):
        with sessions() as s:
            attempts = s.scalar(select(OutboxMessage.attempts).where(OutboxMessage.key == message.key)) or 1
        if attempts >= MAX_ATTEMPTS:
            values = {"state": "failed", "last_error": f"gave up after {attempts} attempts: {outcome.reason}"}
            verdict = "failed"
        else:
            values = {"state": "pending", "next_attempt_at": at + backoff(attempts), "last_error": outcome.reason}
            verdict = "retry"
        said = values["last_error"]
    else:
        assert isinstance(outcome, Failed)
        values, verdict, said = {"state": "failed", "last_error": outcome.reason}, "failed", outcome.reason
    _finish(sessions, message.key, values | {"message_id": message.message_id})
    report.messages.append(Delivered(message.key, kind.code, message.to.email, verdict, said, message.message_id))


def _record_failure(
    sessions: sessionmaker[Session], report: DeliveryReport, row: OutboxMessage, message_id: str, reason: str
) -> None:
    _finish(sessions, row.key, {"state": "failed", "last_error": reason, "message_id": message_id})
    report.messages.append(Delivered(row.key, row.kind, str(row.recipient_id), "failed", reason, message_id))


def _release(sessions: sessionmaker[Session], keys: Sequence[str], at: datetime, reason: str) -> int:
    """The channel is down: the rows not sent go back to wait, each after its backoff."""
    if not keys:
        return 0
    with sessions.begin() as s:
        writing(s)
        for key, attempts in s.execute(
            select(OutboxMessage.key, OutboxMessage.attempts).where(OutboxMessage.key.in_(keys))
        ).tuples():
            gave_up = attempts >= MAX_ATTEMPTS
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.key == key)
                .values(
                    state="failed" if gave_up else "pending",
                    next_attempt_at=at + backoff(attempts),
                    claimed_until=None,
                    last_error=f"gave up after {attempts} attempts: {reason}" if gave_up else reason,
                )
                .execution_options(synchronize_session=False)
            )
    return len(keys)
