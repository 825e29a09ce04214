"""Deadlines and the reminder rungs that climb from them; the sweep reads these by next fire time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.types import UTCDateTime


class Deadline(Base):
    """When a city owes something (a stage's work, a report), on its own calendar."""

    __tablename__ = "deadlines"
    __table_args__ = (Index("ix_deadlines_city_state", "city_id", "state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_on: Mapped[date]
    extended_days: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(16), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_fire_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    ladder: Mapped[list[dict[str, Any]]]

    rungs: Mapped[list[Rung]] = relationship(lazy="raise", order_by="Rung.seq")


class Rung(Base):
    """One step of a deadline's reminder ladder: to whom, and when it fires (or was skipped)."""

    __tablename__ = "rungs"
    __table_args__ = (UniqueConstraint("deadline_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"), index=True)
    seq: Mapped[int]
    business_days: Mapped[int]  # from the due date; negative: before it
    audience: Mapped[str] = mapped_column(String(16))
    fire_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default="pending")
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
