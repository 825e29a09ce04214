"""Access that can be taken away: a role taken, a person removed, everyone signed out; audited, effective at once.

Every session and link carries the person's access key; changing what a person may do bumps it, so each
session, sign-in link, approval link and calendar feed issued before stops working on its next use.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import InvalidData, NotFound
from engine.lookups import aware, find_person
from models import AccessEvent, City, OutboxMessage, Person, RoleAssignment
from models.db import writing
from states import Role
from states.definition import CITY_ROLES

GENESIS = "0" * 64


@dataclass(frozen=True)
class Holder:
    """A person who may still act: their id and the key their sessions and links must carry."""

    id: int
    email: str
    key: int


def holder(s: Session, person_id: int, key: object) -> Holder | None:
    """The person if they are still in the network and the key is theirs now (None: access was taken away)."""
    row = s.execute(select(Person.email, Person.access_key, Person.gone_at).where(Person.id == person_id)).first()
    if row is None or row.gone_at is not None or row.access_key != key:
        return None
    return Holder(person_id, row.email, row.access_key)


def _seal(prev: str, at: datetime, actor: str, person: str, what: str, data: dict[str, Any]) -> str:
    """SHA-256 over the event and the hash before it, as the city trail does."""
    body = json.dumps([at.isoformat(timespec="microseconds"), actor, person, what, data], sort_keys=True)
    return hashlib.sha256((prev + body).encode()).hexdigest()


def _record(s: Session, person: Person, what: str, actor: str, data: dict[str, Any], at: datetime) -> None:
    """Bump the person's key and write the access event, chained to the last one."""
    s.execute(
        update(Person)
        .where(Person.id == person.id)
        .values(access_key=Person.access_key + 1)
        .execution_options(synchronize_session=False)
    )
    last = s.scalar(select(AccessEvent.hash).order_by(AccessEvent.id.desc()).limit(1).with_for_update()) or GENESIS
    digest = _seal(last, at, actor, person.email, what, data)
    s.add(AccessEvent(at=at, actor=actor, person_id=person.id, what=what, data=data, prev_hash=last, hash=digest))


def _secretariat(s: Session, email: str) -> Person:
    """Only the secretariat changes who may do what."""
    person = find_person(s, email)
    held = s.scalar(
        select(RoleAssignment.id).where(
            RoleAssignment.person_id == person.id,
            RoleAssignment.role == Role.SECRETARIAT.value,
            RoleAssignment.city_id.is_(None),
        )
    )
    if held is None or person.gone_at is not None:
        raise InvalidData(f"Only the secretariat may change who may do what; {person.email} is not of it.")
    return person


def take_role(sessions: sessionmaker[Session], email: str, role: str, *, by: str, reason: str, at: datetime) -> str:
    """Take one role from a person ('coach@BKO', 'secretariat'); their sessions and links stop at once."""
    at = aware(at)
    name, _, code = role.strip().partition("@")
    try:
        taken = Role(name.strip().lower())
    except ValueError:
        raise InvalidData(f"'{name}' is not a role ({', '.join(r.value for r in Role)}).") from None
    if (taken in CITY_ROLES) != bool(code):
        raise InvalidData(f"Write {taken.value}@CITYCODE for a city's role, {taken.value} alone for the network's.")
    with sessions.begin() as s:
        writing(s)
        actor = _secretariat(s, by)
        person = find_person(s, email)
        city_id = None
        if code:
            city_id = s.scalar(select(City.id).where(City.code == code.strip().upper()))
            if city_id is None:
                raise NotFound(f"No city with code '{code}'. See `jalon status` for the codes.")
        gone = s.execute(
            delete(RoleAssignment).where(
                RoleAssignment.person_id == person.id,
                RoleAssignment.role == taken.value,
                RoleAssignment.city_id.is_(None) if city_id is None else RoleAssignment.city_id == city_id,
            )
        )
        if not getattr(gone, "rowcount", 0):
            raise NotFound(f"{person.email} does not hold the role {role.strip()}.")
        _record(s, person, "role_taken", actor.email, {"role": role.strip(), "reason": reason}, at)
    return f"{person.email} no longer holds {role.strip()}; their sessions and links were withdrawn."


def remove(sessions: sessionmaker[Session], email: str, *, by: str, reason: str, at: datetime) -> str:
    """A person leaves the network: every role taken, no acts, no messages, every session and link withdrawn."""
    at = aware(at)
    with sessions.begin() as s:
        writing(s)
        actor = _secretariat(s, by)
        person = find_person(s, email)
        if person.id == actor.id:
            raise InvalidData("You cannot remove yourself; ask another member of the secretariat.")
        if person.gone_at is not None:
            raise InvalidData(f"{person.email} was already removed.")
        roles = [
            f"{r}@{c}" if c else r
            for r, c in s.execute(
                select(RoleAssignment.role, City.code)
                .outerjoin(City, City.id == RoleAssignment.city_id)
                .where(RoleAssignment.person_id == person.id)
                .order_by(RoleAssignment.id)
            )
        ]
        s.execute(delete(RoleAssignment).where(RoleAssignment.person_id == person.id))
        s.execute(  # what still waits for them is not sent: they are no longer in the network
            update(OutboxMessage)
            .where(OutboxMessage.recipient_id == person.id, OutboxMessage.state == "pending")
            .values(state="expired", last_error="not sent: the reader was removed from the network")
            .execution_options(synchronize_session=False)
        )
        person.gone_at = at
        _record(s, person, "removed", actor.email, {"roles": roles, "reason": reason}, at)
    return f"{person.email} was removed ({', '.join(roles) or 'no roles'}); their sessions and links were withdrawn."


def sign_out_everywhere(sessions: sessionmaker[Session], person_id: int, *, by: str, at: datetime) -> None:
    """Every session and link of this person stops (asked by themselves, or by the secretariat)."""
    at = aware(at)
    with sessions.begin() as s:
        writing(s)
        person = s.get_one(Person, person_id)
        _record(s, person, "signed_out_everywhere", by, {}, at)


def verify_trail(s: Session) -> list[str]:
    """Every access event whose hash or link does not add up (empty: the trail is sound)."""
    findings, prev = [], GENESIS
    for e in s.scalars(select(AccessEvent).order_by(AccessEvent.id)):
        email = s.scalar(select(Person.email).where(Person.id == e.person_id)) or ""
        if e.prev_hash != prev or _seal(e.prev_hash, e.at, e.actor, email, e.what, e.data) != e.hash:
            findings.append(f"access event {e.id}: was changed after it was written")
        prev = e.hash
    return findings
