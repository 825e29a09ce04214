"""The audit trail: each event sealed with the hash of the one before, and checks that read it back."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEvent, City, OutboxMessage
from states import CITY_JOURNEY, CITY_MACHINE, Binding, NotAllowedHere

GENESIS = "0" * 64
JOINED = "join"
"""Trigger of a city's first event: it entered the programme (by import), in the initial state."""


def digest(
    prev_hash: str,
    city: str,
    seq: int,
    at: datetime,
    actor: str,
    trigger: str,
    from_state: str,
    to_state: str,
    definition_version: str,
    note: str | None,
    data: dict[str, Any],
) -> str:
    """SHA-256 over an event's fields and the hash before it; any edit to either changes it."""
    body = json.dumps(
        [city, seq, at.isoformat(timespec="microseconds"), actor, trigger, from_state, to_state,
         definition_version, note, data],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )  # fmt: skip
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def seal(event: AuditEvent, city: str) -> str:
    """The hash an event of city must carry."""
    return digest(
        event.prev_hash, city, event.seq, event.at, event.actor, event.trigger, event.from_state,
        event.to_state, event.definition_version, event.note, event.data,
    )  # fmt: skip


def record(
    city: City,
    *,
    at: datetime,
    actor_id: int | None,
    actor: str,
    trigger: str,
    from_state: str,
    to_state: str,
    definition_version: str,
    note: str | None,
    data: dict[str, Any],
    programme: str,
) -> tuple[AuditEvent, OutboxMessage]:
    """The city's next event, chained to its last one (the city row is locked), and its outbox announcement.

    Both are returned unsaved: the caller adds them after moving the city, so they go out in one flush.
    """
    event = AuditEvent(
        city_id=city.id,
        seq=city.version + 1,
        at=at,
        actor_id=actor_id,
        actor=actor,
        trigger=trigger,
        from_state=from_state,
        to_state=to_state,
        definition_version=definition_version,
        note=note,
        data=data,
        prev_hash=city.last_hash or GENESIS,
    )
    event.hash = seal(event, city.code)
    payload = {"city": city.code, "programme": programme, "from": from_state, "to": to_state, "actor": actor}
    message = OutboxMessage(
        key=f"event:{city.code}:{event.seq}",
        kind=f"jalon.city.{trigger}",
        channel="event",
        city_id=city.id,
        payload={**payload, "at": at.isoformat()},
        created_at=at,
        next_attempt_at=at,
    )
    return event, message


@dataclass(frozen=True)
class Finding:
    """Something in the trail that does not add up, for one city."""

    city: str
    seq: int | None
    message: str

    def __str__(self) -> str:
        where = self.city if self.seq is None else f"{self.city} event {self.seq}"
        return f"{where}: {self.message}"


def _events(s: Session, city: City) -> list[AuditEvent]:
    """A city's events in order."""
    return list(s.scalars(select(AuditEvent).where(AuditEvent.city_id == city.id).order_by(AuditEvent.seq)))


def verify(s: Session) -> list[Finding]:
    """Every broken link, edited event or missing tail in every city's chain (empty: all sound)."""
    findings: list[Finding] = []
    for city in s.scalars(select(City).order_by(City.code)):
        prev, seq = GENESIS, 0
        for e in _events(s, city):
            seq += 1
            if e.seq != seq:
                findings.append(Finding(city.code, e.seq, f"expected event {seq}; one is missing"))
            if e.prev_hash != prev:
                findings.append(Finding(city.code, e.seq, "does not follow the event before it"))
            if seal(e, city.code) != e.hash:
                findings.append(Finding(city.code, e.seq, "was changed after it was written"))
            prev = e.hash
        if seq != city.version or (city.last_hash or GENESIS) != prev:
            findings.append(Finding(city.code, None, "the city's last events are missing from the trail"))
    return findings


def replay(s: Session) -> list[Finding]:
    """Run every city's trail through the machine again; any city not landing where it is, is reported."""
    findings: list[Finding] = []
    for city in s.scalars(select(City).order_by(City.code)):
        binding = Binding(state=CITY_JOURNEY.initial)
        for e in _events(s, city):
            if e.trigger == JOINED:
                continue
            try:
                CITY_MACHINE.fire(binding, e.trigger)
            except NotAllowedHere as exc:
                findings.append(Finding(city.code, e.seq, str(exc)))
                break
            if binding.state != e.to_state:
                findings.append(Finding(city.code, e.seq, f"replays to {binding.state}, recorded {e.to_state}"))
                break
        if (binding.state, binding.paused_from) != (city.state, city.paused_from):
            findings.append(Finding(city.code, None, f"replays to {binding.state}, but is {city.state}"))
    return findings
