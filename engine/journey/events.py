"""The events each act announces, handed to whoever publishes them (Prefect, in flows/), after their commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.lookups import aware
from models import City, OutboxMessage
from models.db import writing

BATCH = 500


@dataclass(frozen=True)
class CityEvent:
    """What happened to a city, as an event bus carries it: plain values, no ORM object."""

    key: str  # the outbox key: one event id per act, however often it is published
    name: str  # jalon.city.<trigger>
    city: str
    city_name: str
    payload: dict[str, Any]
    occurred: datetime


def publish_events(
    sessions: sessionmaker[Session], emit: Callable[[CityEvent], None], at: datetime, *, batch: int = BATCH
) -> int:
    """Hand every pending event to `emit`, oldest first, and mark it sent; safe from several processes at once.

    Best effort by design: `emit` only queues (Prefect sends in the background); an event bus that is down
    must never hold back an act, and these rows exist only after the act committed.
    """
    at = aware(at)
    published = 0
    while True:
        with sessions.begin() as s:
            writing(s)
            rows = s.execute(
                select(
                    OutboxMessage.id,
                    OutboxMessage.key,
                    OutboxMessage.kind,
                    OutboxMessage.payload,
                    OutboxMessage.created_at,
                    City.name,
                )
                .join(City, City.id == OutboxMessage.city_id)
                .where(OutboxMessage.channel == "event", OutboxMessage.state == "pending")
                .order_by(OutboxMessage.id)
                .limit(batch)
                .with_for_update(skip_locked=True, of=OutboxMessage)
            ).all()
            for row in rows:
                emit(CityEvent(row.key, row.kind, row.payload["city"], row.name, dict(row.payload), row.created_at))
            if rows:
                s.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_([r.id for r in rows]))
                    .values(state="sent", sent_at=at, attempts=OutboxMessage.attempts + 1)
                    .execution_options(synchronize_session=False)
                )
        published += len(rows)
        if len(rows) < batch:
            return published
