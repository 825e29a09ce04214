"""Programmes, cities, people and who is what for which city."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.types import UTCDateTime


class Programme(Base):
    """A network's programme: the cities it funds and the rules it runs them by."""

    __tablename__ = "programmes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProgrammeVersion(Base):
    """One loaded programme file; cities stay pinned to the version they started on."""

    __tablename__ = "programme_versions"
    __table_args__ = (UniqueConstraint("programme_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    number: Mapped[int]
    digest: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]]
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    programme: Mapped[Programme] = relationship(lazy="raise")


class City(Base):
    """A city on its journey; state and version change only through engine.act."""

    __tablename__ = "cities"
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("programme_versions.id"))
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    languages: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32), index=True)
    paused_from: Mapped[str | None] = mapped_column(String(32))
    state_since: Mapped[datetime] = mapped_column(UTCDateTime())
    selected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str | None] = mapped_column(String(64))

    programme: Mapped[Programme] = relationship(lazy="raise")
    definition: Mapped[ProgrammeVersion] = relationship(lazy="raise")


class Person(Base):
    """Someone who acts or is told; named by email everywhere."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))  # their own zone; else the city's, then the programme's
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    gone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # removed: no acts, no messages, no sign-in
    access_key: Mapped[int] = mapped_column(default=0)  # in every session and link: bumped, they all stop at once
    signin_serial: Mapped[int] = mapped_column(default=0)  # only the newest sign-in link works


class RoleAssignment(Base):
    """A role held by a person, network-wide (city_id empty) or for one city."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        Index(
            "uq_role_assignments_city",
            "person_id",
            "role",
            "city_id",
            unique=True,
            sqlite_where=text("city_id IS NOT NULL"),
            postgresql_where=text("city_id IS NOT NULL"),
        ),
        Index(
            "uq_role_assignments_network",
            "person_id",
            "role",
            unique=True,
            sqlite_where=text("city_id IS NULL"),
            postgresql_where=text("city_id IS NULL"),
        ),
        Index("ix_role_assignments_city_role", "city_id", "role"),
        Index(
            "uq_role_assignments_one_coach",
            "city_id",
            unique=True,
            sqlite_where=text("role = 'coach'"),
            postgresql_where=text("role = 'coach'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    role: Mapped[str] = mapped_column(String(32))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"))

    person: Mapped[Person] = relationship(lazy="raise")
