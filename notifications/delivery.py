"""Delivery: outbox rows claimed, said in each reader's language, sent, and their fate recorded, exactly once.

A row is claimed for a lease (state 'sending'); each message is marked sent in its own commit the moment the
server takes it. A process killed between the server's answer and that commit leaves one row to go again
after the lease, with the same Message-ID: at most the message in flight repeats, nothing is lost.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from jinja2 import TemplateError
from sqlalchemy import CursorResult, and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from models import OutboxMessage, Person
from models.db import writing
from notifications.catalogue import KINDS, Kind
from notifications.channels import (
    Address,
    Channel,
    ChannelDown,
    HeaderRefused,
    Outcome,
    Outgoing,
    Retry,
    Sent,
)
from notifications.context import Links, Lookups, calendar_files
from notifications.render import render

BATCH = 100
LEASE = timedelta(minutes=10)
BACKOFF = tuple(timedelta(minutes=m) for m in (1, 5, 15, 60, 180, 360, 720, 1440))
MAX_ATTEMPTS = len(BACKOFF)
ERRORS = (TemplateError, ValueError, KeyError, HeaderRefused)  # a message that cannot be written, said as such


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
    """One delivery run: each message's fate, and whether the channel could be reached at all."""

    at: datetime
    messages: list[Delivered] = field(default_factory=list)
    down: str | None = None
    waiting: int = 0  # rows put back because the channel was down

    def count(self, outcome: str) -> int:
        """How many messages ended this way."""
        return sum(1 for m in self.messages if m.outcome == outcome)


def backoff(attempts: int) -> timedelta:
    """After a refusal: 1, 5, 15 minutes, then 1, 3, 6, 12 hours; the eighth refusal is final."""
    return BACKOFF[min(max(attempts, 1), MAX_ATTEMPTS) - 1]


DOWN_RETRY = timedelta(minutes=1)  # a server that cannot be reached costs a message nothing: try again soon


@dataclass
class Run:
    """One delivery run: its claim token, and its clock, which moves on as the run does (leases stay honest)."""

    at: datetime
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    started: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        """The explicit start moment plus the time this run has taken so far."""
        return self.at + timedelta(seconds=time.monotonic() - self.started)


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
    run took the row over) changes nothing. Whatever goes wrong mid-batch, the rows not yet sent go back.
    """
    report = DeliveryReport(at.astimezone(UTC))
    run = Run(report.at)
    while True:
        claimed = _claim(sessions, run, batch, lease, channel.name)
        if not claimed:
            return report
        ready = _prepare(sessions, run, claimed, channel, report, links)
        left = [message.key for message, _ in ready]
        try:
            with channel.connect() as sender:
                mine = True  # just claimed; afterwards each record also asks about the next row, in its commit
                for i, (message, kind) in enumerate(ready):
                    if not mine and not _still_mine(sessions, run, message.key):  # stalled past the lease
                        report.messages.append(
                            Delivered(message.key, kind.code, message.to.email, "taken over", "", "")
                        )
                        left.pop(0)
                        continue
                    try:
                        outcome: Outcome = sender.send(message)
                    except ChannelDown:
                        raise
                    except Exception as exc:  # one message's fault must not hold back the batch
                        outcome = Retry(f"{type(exc).__name__}: {exc}")
                    following = ready[i + 1][0].key if i + 1 < len(ready) else None
                    mine = _record(sessions, run, report, message, kind, outcome, following)
                    left.pop(0)
        except ChannelDown as exc:
            report.down = str(exc)
            report.waiting = _release(sessions, run, left, str(exc))
            return report
        finally:
            if left and report.down is None:
                _release(sessions, run, left, "the delivery run stopped before sending it")
        if len(claimed) < batch:
            return report


def _claim(sessions: sessionmaker[Session], run: Run, batch: int, lease: timedelta, channel: str) -> list[int]:
    """Due rows, and rows whose sender died past its lease, marked 'sending' under this run's token."""
    now = run.now()
    with sessions.begin() as s:
        writing(s)
        died = and_(OutboxMessage.state == "sending", OutboxMessage.claimed_until <= now)
        # a row whose senders keep dying while it is in flight stops being retried, with the reason
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.channel == channel, died, OutboxMessage.attempts >= MAX_ATTEMPTS)
            .values(
                state="failed",
                failed_at=now,
                claimed_by=None,
                last_error="the delivery process stopped while sending it, each of the last attempts",
            )
            .execution_options(synchronize_session=False)
        )
        ids = list(
            s.scalars(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.channel == channel,
                    or_(and_(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= run.at), died),
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
                .values(
                    state="sending",
                    claimed_by=run.token,
                    claimed_until=now + lease,
                    attempts=OutboxMessage.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
    return ids


def _prepare(
    sessions: sessionmaker[Session],
    run: Run,
    ids: Sequence[int],
    channel: Channel,
    report: DeliveryReport,
    links: Links | None,
) -> list[tuple[Outgoing, Kind]]:
    """Each claimed row said in its reader's language; a row that cannot be said fails now, with the reason."""
    ready = []
    with sessions() as s:
        rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)))
        readers = {p.id: p for p in s.scalars(select(Person).where(Person.id.in_({r.recipient_id for r in rows})))}
        looks = Lookups(s, links)
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
            except Exception as exc:  # a template, a value, an address: said on the row, never a stuck batch
                reason = f"cannot be written: {exc}" if isinstance(exc, ERRORS) else f"{type(exc).__name__}: {exc}"
                _record_failure(sessions, run, report, row, message_id, reason)
                continue
            ready.append((Outgoing(row.key, message_id, to, rendered, report.at, files), kind))
    return ready


def _still_mine(sessions: sessionmaker[Session], run: Run, key: str) -> bool:
    """Does this run still hold the row's claim? Asked just before sending, so a stalled run never sends twice."""
    with sessions() as s:
        return s.scalar(select(OutboxMessage.claimed_by).where(OutboxMessage.key == key)) == run.token


def _finish(
    sessions: sessionmaker[Session], run: Run, key: str, values: dict[str, Any], following: str | None = None
) -> tuple[bool, bool]:
    """Write one row's fate if this run still holds its claim, and say whether the following row is still ours.

    (done, next still ours): asking about the next row in this same commit saves a round trip per message.
    """
    with sessions.begin() as s:
        writing(s)
        done = s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key == key, OutboxMessage.state == "sending", OutboxMessage.claimed_by == run.token)
            .values(claimed_until=None, claimed_by=None, **values)
            .execution_options(synchronize_session=False)
        )
        ours = (
            following is None
            or s.scalar(select(OutboxMessage.claimed_by).where(OutboxMessage.key == following)) == run.token
        )
        return cast(CursorResult[Any], done).rowcount == 1, ours


def _record(
    sessions: sessionmaker[Session],
    run: Run,
    report: DeliveryReport,
    message: Outgoing,
    kind: Kind,
    outcome: Outcome,
    following: str | None = None,
) -> bool:
    """One message's fate, committed at once (a crash after it can no longer repeat it); is the next still ours?"""
    now = run.now()
    if isinstance(outcome, Sent):
        values: dict[str, Any] = {"state": "sent", "sent_at": now, "answer": outcome.answer, "last_error": None}
        verdict = "sent"
    elif isinstance(outcome, Retry):
        with sessions() as s:
            attempts = s.scalar(select(OutboxMessage.attempts).where(OutboxMessage.key == message.key)) or 1
        if attempts >= MAX_ATTEMPTS:
            values = {
                "state": "failed",
                "failed_at": now,
                "last_error": f"gave up after {attempts} attempts: {outcome.reason}",
            }
            verdict = "failed"
        else:
            values = {"state": "pending", "next_attempt_at": now + backoff(attempts), "last_error": outcome.reason}
            verdict = "retry"
    else:
        values, verdict = {"state": "failed", "failed_at": now, "last_error": outcome.reason}, "failed"
    done, ours = _finish(sessions, run, message.key, values | {"message_id": message.message_id}, following)
    if not done:
        verdict = "taken over"  # our lease ran out and another run owns the row now: its word stands
    said = outcome.answer if isinstance(outcome, Sent) else str(values.get("last_error"))
    report.messages.append(Delivered(message.key, kind.code, message.to.email, verdict, said, message.message_id))
    return ours


def _record_failure(
    sessions: sessionmaker[Session], run: Run, report: DeliveryReport, row: OutboxMessage, message_id: str, reason: str
) -> None:
    values = {"state": "failed", "failed_at": run.now(), "last_error": reason, "message_id": message_id}
    _finish(sessions, run, row.key, values)
    report.messages.append(Delivered(row.key, row.kind, str(row.recipient_id), "failed", reason, message_id))


def _release(sessions: sessionmaker[Session], run: Run, keys: Sequence[str], reason: str) -> int:
    """Rows claimed but not sent go back to wait a minute; the try they did not get is not counted."""
    if not keys:
        return 0
    with sessions.begin() as s:
        writing(s)
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key.in_(keys), OutboxMessage.state == "sending", OutboxMessage.claimed_by == run.token)
            .values(
                state="pending",
                attempts=OutboxMessage.attempts - 1,
                next_attempt_at=run.now() + DOWN_RETRY,
                claimed_until=None,
                claimed_by=None,
                last_error=reason,
            )
            .execution_options(synchronize_session=False)
        )
    return len(keys)
