"""What the web remembers about access: links already used (sign-in and approval links are single-use)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
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
