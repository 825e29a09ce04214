"""What is kept about access: links already used, changes to who may do what, sign-in requests (floods)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import UTCDateTime


class UsedToken(Base):
    """A single-use link once it has served: its id can never be inserted twice, even by two requests at once."""

    __tablename__ = "used_tokens"
    jti: Mapped[str] = mapped_column(String(32), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AccessEvent(Base):
    """One change to who may do what (a role taken, a person removed, everyone signed out): append-only, chained."""

    __tablename__ = "access_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(254))  # who did it (an email), as the city trail records actors
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    what: Mapped[str] = mapped_column(String(32))  # role_taken, removed, signed_out_everywhere
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class SigninRequest(Base):
    """A sign-in link asked for: by address (hashed: no list of who tried) and by client, to refuse floods."""

    __tablename__ = "signin_requests"
    __table_args__ = (
        Index("ix_signin_requests_address", "address", "at"),
        Index("ix_signin_requests_client", "client", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
