"""Delivery: outbox rows claimed, said in each reader's language, sent, and their fate recorded, exactly once.

A row is claimed for a lease (state 'sending'); each message is marked sent in its own commit, one UPDATE, the
moment the server takes it. A process killed between the server's answer and that commit leaves one row to go
again, with the same Message-ID: at most the message in flight repeats, nothing is lost. Leases, sent_at and
failed_at are on the wall clock; the caller's `at` only says what is due.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from jinja2 import TemplateError
from sqlalchemy import Connection, CursorResult, Engine, select, update
from sqlalchemy.exc import DBAPIError, PendingRollbackError
from sqlalchemy.orm import Session, sessionmaker

from models import OutboxMessage, Person, RoleAssignment
from models.db import writing
from notifications.catalogue import KINDS, Kind
from notifications.channels import (
    Address,
    Channel,
    ChannelDown,
    Dropped,
    HeaderRefused,
    Outcome,
    Outgoing,
    Retry,
    Sent,
)
from notifications.claims import BACKOFF, MAX_ATTEMPTS, OVER, Run, claim, release
from notifications.context import Links, Lookups, calendar_files
from notifications.render import render

BATCH = 100
LEASE = timedelta(minutes=10)
ERRORS = (TemplateError, ValueError, KeyError, HeaderRefused)  # a message that cannot be written, said as such
LOST = (DBAPIError, PendingRollbackError)  # our own database went away: no message's fault, none is failed for it


@dataclass(frozen=True)
class Delivered:
    """What became of one message in this run."""

    key: str
    kind: str
    to: str
    outcome: str  # sent, retry, failed (or "taken over": another run owned the row by the time we answered)
    answer: str
    message_id: str


@dataclass
class DeliveryReport:
    """One delivery run: each message's fate, and whether the channel and the database could be reached."""

    at: datetime
    messages: list[Delivered] = field(default_factory=list)
    down: str | None = None
    waiting: int = 0  # rows put back because the channel (or the database) went away
    lost: str | None = None  # the database connection failed: the run stopped, its claimed rows wait

    def count(self, outcome: str) -> int:
        """How many messages ended this way."""
        return sum(1 for m in self.messages if m.outcome == outcome)


def backoff(attempts: int) -> timedelta:
    """After a refusal: 1, 5, 15 minutes, then 1, 3, 6, 12 hours; the eighth refusal is final."""
    return BACKOFF[min(max(attempts, 1), MAX_ATTEMPTS) - 1]


@dataclass(frozen=True)
class Ready:
    """A claimed row, said and addressed, with the attempt this send is."""

    message: Outgoing
    kind: Kind
    attempts: int


def deliver(
    sessions: sessionmaker[Session],
    at: datetime,
    channel: Channel,
    *,
    links: Links | None = None,
    batch: int = BATCH,
    lease: timedelta = LEASE,
) -> DeliveryReport:
    """Send every message due at `at`; safe to run from several processes at once (claims skip each other).

    Each row is claimed under this run's token; a late answer from a run whose lease ran out (another
    run took the row over) changes nothing. Whatever goes wrong mid-batch, the rows not yet sent go back;
    if our database goes away, the run stops and says so, and no message is failed for it.
    """
    report = DeliveryReport(at.astimezone(UTC))
    run = Run(report.at)
    try:
        run.ledger = _ledger(sessions)
        while True:
            claimed = claim(sessions, run, batch, lease, channel.name)
            if not claimed:
                return report
            ready = _prepare(sessions, run, claimed, channel, report, links)
            _send(sessions, run, channel, ready, report)
            if report.down or len(claimed) < batch:
                return report
    except LOST as exc:
        report.lost = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        try:  # a fresh connection often works (ours alone was cut): put the rows back now, at no attempt's cost
            report.waiting = release(sessions, run, run.held, "the delivery run lost its database connection")
        except LOST:
            report.waiting = len(run.held)  # still away: the rows stay claimed until the lease, then go again
        return report
    finally:
        if run.ledger is not None:
            run.ledger.close()
        if run.held:  # rows it could not put back (its database gone): another run here may take them at once
            OVER.add(run.token)
        if run.held and report.down is None and report.lost is None:  # a bug or an interrupt: put the rest back
            release(sessions, run, run.held, "the delivery run stopped before sending it")


def _send(
    sessions: sessionmaker[Session], run: Run, channel: Channel, ready: list[Ready], report: DeliveryReport
) -> None:
    """One connection for the batch; a new one after a message the server dropped; the rest back if it is down."""
    i = 0
    try:
        while i < len(ready):
            with channel.connect() as sender:
                sender.expect([item.message for item in ready[i:]])
                while i < len(ready):
                    item = ready[i]
                    i += 1
                    message = item.message
                    if run.now() >= run.sure_until and not _still_mine(sessions, run, message.key):
                        run.held.remove(message.key)  # stalled past the lease: another run owns it now
                        report.messages.append(
                            Delivered(message.key, item.kind.code, message.to.email, "taken over", "", "")
                        )
                        continue
                    try:
                        outcome: Outcome = sender.send(message)
                    except ChannelDown:
                        raise
                    except Exception as exc:  # one message's fault must not hold back the batch
                        outcome = Retry(f"{type(exc).__name__}: {exc}")
                    _record(sessions, run, report, item, outcome)
                    if isinstance(outcome, Dropped):
                        break  # the connection went with that message: a new one for the rest
    except ChannelDown as exc:
        report.down = str(exc)
        report.waiting = release(sessions, run, run.held, str(exc))


def _prepare(
    sessions: sessionmaker[Session],
    run: Run,
    ids: Sequence[int],
    channel: Channel,
    report: DeliveryReport,
    links: Links | None,
) -> list[Ready]:
    """Each claimed row said in its reader's language; a row that cannot be said fails now, with the reason."""
    ready = []
    with sessions() as s:
        rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)))
        run.held = [row.key for row in rows]
        readers = {p.id: p for p in s.scalars(select(Person).where(Person.id.in_({r.recipient_id for r in rows})))}
        looks = Lookups(s, links)
        _roles_at_once(s, looks, rows)
        for row in rows:
            kind = KINDS.get(row.kind)
            person = readers.get(row.recipient_id or 0)
            message_id = channel.message_id(row.key)
            try:
                if kind is None or person is None:
                    raise ValueError(f"no such kind or reader ({row.kind}, {row.recipient_id})")
                context, city_tz = looks.context(row, person, kind)
                rendered = render(kind.code, context["lang"], context)
                files = calendar_files(kind, row.payload, context, city_tz, row.created_at)
                to = Address(person.name, person.email)
            except LOST:
                raise  # our database went away: not this message's fault
            except Exception as exc:  # a template, a value, an address: said on the row, never a stuck batch
                reason = f"cannot be written: {exc}" if isinstance(exc, ERRORS) else f"{type(exc).__name__}: {exc}"
                _record_failure(sessions, run, report, row, message_id, reason)
                continue
            ready.append(Ready(Outgoing(row.key, message_id, to, rendered, report.at, files), kind, row.attempts))
    return ready


def _roles_at_once(s: Session, looks: Lookups, rows: Sequence[OutboxMessage]) -> None:
    """Every reader's roles for the batch in one query, where Lookups.role would ask once per reader and city:
    the same lists (a city's roles and the network-wide ones, or all of them for a network message), in order."""
    held: dict[int, list[tuple[int | None, str]]] = {}
    found = s.execute(
        select(RoleAssignment.person_id, RoleAssignment.city_id, RoleAssignment.role)
        .where(RoleAssignment.person_id.in_({r.recipient_id for r in rows if r.recipient_id}))
        .order_by(RoleAssignment.id)
    )
    for person_id, city_id, role in found:
        held.setdefault(person_id, []).append((city_id, role))
    for r in rows:
        if r.recipient_id:
            mine = held.get(r.recipient_id, [])
            looks.roles[(r.recipient_id, r.city_id)] = [
                role for city, role in mine if r.city_id is None or city is None or city == r.city_id
            ]


def _still_mine(sessions: sessionmaker[Session], run: Run, key: str) -> bool:
    """Does this run still hold the row's claim? Asked late in a lease, so a stalled run never sends twice."""
    with sessions() as s:
        return s.scalar(select(OutboxMessage.claimed_by).where(OutboxMessage.key == key)) == run.token


def _finish(sessions: sessionmaker[Session], run: Run, key: str, values: dict[str, Any]) -> bool:
    """Write one row's fate, one UPDATE committed on its own, if this run still holds its claim.

    On PostgreSQL the run keeps one connection in autocommit for this: the UPDATE is its own transaction, one
    round trip, no BEGIN, no COMMIT, no ping of a connection taken from the pool for each message.
    """
    change = (
        update(OutboxMessage)
        .where(OutboxMessage.key == key, OutboxMessage.state == "sending", OutboxMessage.claimed_by == run.token)
        .values(claimed_until=None, claimed_by=None, **values)
        .execution_options(synchronize_session=False)
    )
    if run.ledger is not None:
        done = cast(CursorResult[Any], run.ledger.execute(change)).rowcount
    else:
        with sessions.begin() as s:
            writing(s)
            done = cast(CursorResult[Any], s.execute(change)).rowcount
    if key in run.held:
        run.held.remove(key)
    return done == 1


def _ledger(sessions: sessionmaker[Session]) -> Connection | None:
    """An autocommit connection for the run's records, on PostgreSQL reached through an engine (else None)."""
    bind = sessions.kw.get("bind")
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        return bind.connect().execution_options(isolation_level="AUTOCOMMIT")
    return None


def _record(sessions: sessionmaker[Session], run: Run, report: DeliveryReport, item: Ready, outcome: Outcome) -> None:
    """One message's fate, committed at once (a crash after it can no longer repeat it)."""
    now, message, attempts = run.now(), item.message, item.attempts
    if isinstance(outcome, Sent):
        values: dict[str, Any] = {"state": "sent", "sent_at": now, "answer": outcome.answer, "last_error": None}
        verdict = "sent"
    elif isinstance(outcome, Retry):
        if attempts >= MAX_ATTEMPTS:
            values = {
                "state": "failed",
                "failed_at": now,
                "last_error": f"gave up after {attempts} attempts: {outcome.reason}",
            }
            verdict = "failed"
        else:
            values = {
                "state": "pending",
                "next_attempt_at": run.due() + backoff(attempts),
                "last_error": outcome.reason,
            }
            verdict = "retry"
    else:
        values, verdict = {"state": "failed", "failed_at": now, "last_error": outcome.reason}, "failed"
    if not _finish(sessions, run, message.key, values | {"message_id": message.message_id}):
        verdict = "taken over"  # our lease ran out and another run owns the row now: its word stands
    said = outcome.answer if isinstance(outcome, Sent) else str(values.get("last_error"))
    report.messages.append(Delivered(message.key, item.kind.code, message.to.email, verdict, said, message.message_id))


def _record_failure(
    sessions: sessionmaker[Session], run: Run, report: DeliveryReport, row: OutboxMessage, message_id: str, reason: str
) -> None:
    values = {"state": "failed", "failed_at": run.now(), "last_error": reason, "message_id": message_id}
    _finish(sessions, run, row.key, values)
    report.messages.append(Delivered(row.key, row.kind, str(row.recipient_id), "failed", reason, message_id))
