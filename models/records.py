"""What a city's journey produces: onboarding ticks, plans, grants, tranches, reports."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Minor
from models.types import UTCDateTime


class ChecklistTick(Base):
    """One onboarding objective met, by whom and when."""

    __tablename__ = "checklist_ticks"
    __table_args__ = (UniqueConstraint("city_id", "item"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    item: Mapped[str] = mapped_column(String(64))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_by: Mapped[int] = mapped_column(ForeignKey("people.id"))


class Plan(Base):
    """An experiment plan as submitted; its outcome says what the coach or committee made of it."""

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("city_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    hypothesis: Mapped[str] = mapped_column(Text)
    budget_minor: Mapped[int] = mapped_column(Minor)
    currency: Mapped[str] = mapped_column(String(3))
    duration_months: Mapped[int]
    procurement: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(32))


class Grant(Base):
    """Money awarded to a city; paid can never pass awarded, in code and in the database."""

    __tablename__ = "grants"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("paid_minor >= 0", name="paid_not_negative"),
        CheckConstraint("paid_minor <= amount_minor", name="paid_within_awarded"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(Minor)
    paid_minor: Mapped[int] = mapped_column(Minor, default=0)
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    awarded_by: Mapped[int] = mapped_column(ForeignKey("people.id"))


class Tranche(Base):
    """A part of a grant, paid when its condition (an output, not a date) is met."""

    __tablename__ = "tranches"
    __table_args__ = (
        UniqueConstraint("grant_id", "number"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id"), index=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(64))
    share: Mapped[int]
    amount_minor: Mapped[int] = mapped_column(Minor)
    condition: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    eligible_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class Report(Base):
    """A periodic or final report, with its own small lifecycle."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("city_id", "kind", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    number: Mapped[int]
    state: Mapped[str] = mapped_column(String(24))
    due_on: Mapped[date | None]
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    summary: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
