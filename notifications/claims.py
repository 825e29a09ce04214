"""Who holds which outbox row: claims under a run's token, leases on the wall clock, rows taken back.

A run claims due rows (state 'sending') for a lease; a run whose process died, on this machine, is recognised
at once by the token it wrote (machine and process id); any other run takes its rows after the lease.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from models import OutboxMessage
from models.db import writing

BACKOFF = tuple(timedelta(minutes=m) for m in (1, 5, 15, 60, 180, 360, 720, 1440))
MAX_ATTEMPTS = len(BACKOFF)
HOST = f"{zlib.crc32(socket.gethostname().encode()):08x}"  # a claim names its machine and process (see _dead)
OVER: set[str] = set()  # tokens of the runs this process has finished: whatever they still hold is nobody's
NEVER = datetime.min.replace(tzinfo=UTC)
DOWN_RETRY = timedelta(minutes=1)  # a server that cannot be reached costs a message nothing: try again soon


def _token() -> str:
    """32 hex digits: this machine, this process, then chance (so a run on this machine can tell a dead one)."""
    return f"{HOST}{os.getpid():08x}{uuid.uuid4().hex[:16]}"


@dataclass
class Run:
    """One delivery run: its claim token, the caller's clock (what is due) and the wall clock (leases, records)."""

    at: datetime
    token: str = field(default_factory=_token)
    started: float = field(default_factory=time.monotonic)
    held: list[str] = field(default_factory=list)  # keys claimed and not yet recorded, in sending order
    sure_until: datetime = NEVER  # no other run can take our rows before this
    ledger: Connection | None = None  # where fates are written, when the database allows a connection of its own

    def due(self) -> datetime:
        """The caller's clock moved on by the time this run has taken: what falls due, when a retry will."""
        return self.at + timedelta(seconds=time.monotonic() - self.started)

    @staticmethod
    def now() -> datetime:
        """The wall clock, the one every run shares: leases are judged on it, sends and failures dated by it."""
        return datetime.now(UTC)


def _dead(sessions: sessionmaker[Session], channel: str, now: datetime) -> list[str]:
    """Live-leased claims of runs on this machine that are over (their process killed, or the run ended in this
    process without putting its rows back, its database gone): no need to wait out their lease."""
    with sessions() as s:
        tokens = s.scalars(
            select(OutboxMessage.claimed_by)
            .distinct()
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.state == "sending",
                OutboxMessage.claimed_until > now,
                OutboxMessage.claimed_by.startswith(HOST),
            )
        )
        return [t for t in tokens if t and len(t) == 32 and (t in OVER or not _alive(int(t[8:16], 16)))]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: alive
    return True


def claim(sessions: sessionmaker[Session], run: Run, batch: int, lease: timedelta, channel: str) -> list[int]:
    """Due rows, and rows whose sender died (past its lease, or its process gone), marked 'sending' for this run."""
    now = run.now()
    gone = _dead(sessions, channel, now)
    with sessions.begin() as s:
        writing(s)
        died = and_(
            OutboxMessage.state == "sending",
            or_(OutboxMessage.claimed_until <= now, OutboxMessage.claimed_by.in_(gone)),
        )
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
    run.sure_until = now + lease / 2  # past half the lease, ask before each send whether the row is still ours
    return ids


def release(sessions: sessionmaker[Session], run: Run, keys: Sequence[str], reason: str) -> int:
    """Rows claimed but not sent go back to wait a minute; the try they did not get is not counted."""
    keys = list(keys)
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
                next_attempt_at=run.due() + DOWN_RETRY,
                claimed_until=None,
                claimed_by=None,
                last_error=reason,
            )
            .execution_options(synchronize_session=False)
        )
    run.held = [k for k in run.held if k not in keys]
    return len(keys)
