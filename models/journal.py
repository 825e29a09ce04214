"""The append-only audit trail and the outbox of messages that leave after commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import UTCDateTime


class AuditEvent(Base):
    """One change to a city; chained by hash so an edited or deleted row is detectable."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("city_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    seq: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor: Mapped[str] = mapped_column(String(254))
    trigger: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    definition_version: Mapped[str] = mapped_column(String(96))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class OutboxMessage(Base):
    """Something to say to the world, written with the change and sent only after commit."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "state", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(255))  # the same on every attempt: a repeat is recognisable
    answer: Mapped[str | None] = mapped_column(Text)  # what the server said when it took the message
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a sender died past this: send again
    claimed_by: Mapped[str | None] = mapped_column(String(32))  # the run holding the claim: only it records the fate
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when it was given up (the digest's week)
