"""Passwordless sign-in: a link by email, single use; and the ledger that makes any link single-use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from engine.journey.fields import parse_email
from engine.journey.notify import email_row, queue_new
from engine.lookups import aware
from models import OutboxMessage, Person, Programme, UsedToken
from models.db import writing


class AlreadyUsed(ValueError):
    """A single-use link that has served once already."""


def request_link(sessions: sessionmaker[Session], email: str, link: str, expires: datetime, at: datetime) -> bool:
    """Queue a sign-in link for this address if a person has it; the caller says the same thing either way.

    Saying "no such person" would tell a stranger who is in the network; the message itself goes through the
    outbox like every other (delivered by the next pass, or at once by the web process).
    """
    at = aware(at)
    try:
        address = parse_email(email)
    except ValueError:
        return False
    with sessions.begin() as s:
        writing(s)
        person = s.scalar(select(Person).where(Person.email == address))
        if person is None:
            return False
        programme = s.scalar(select(Programme.code).order_by(Programme.id).limit(1))
        key = f"signin_link:{person.id}:{int(at.timestamp())}"
        payload = {"link": link, "expires": aware(expires).isoformat(), "at": at.isoformat(), "programme": programme}
        queue_new(s, [email_row(key, "signin_link", None, person.id, payload, at)])
    return True


def spend(sessions: sessionmaker[Session], jti: str, purpose: str, person_id: int | None, at: datetime) -> None:
    """Record that a single-use link served; AlreadyUsed if it had (two requests at once: exactly one wins)."""
    try:
        with sessions.begin() as s:
            writing(s)
            s.add(UsedToken(jti=jti, purpose=purpose, person_id=person_id, used_at=aware(at)))
    except IntegrityError:
        raise AlreadyUsed("This link has been used already; ask for a new one.") from None


def pending_signins(sessions: sessionmaker[Session], person_id: int) -> list[str]:
    """The keys of sign-in messages still waiting for this person (what the web process sends at once)."""
    with sessions() as s:
        return list(
            s.scalars(
                select(OutboxMessage.key).where(
                    OutboxMessage.kind == "signin_link",
                    OutboxMessage.recipient_id == person_id,
                    OutboxMessage.state == "pending",
                )
            )
        )


def used(sessions: sessionmaker[Session], jti: str) -> bool:
    """Whether a single-use link has served already."""
    with sessions() as s:
        return s.get(UsedToken, jti) is not None


def person_id(sessions: sessionmaker[Session], email: str) -> int:
    """The id of the person with this address; LookupError if nobody has it (any more)."""
    with sessions() as s:
        found = s.scalar(select(Person.id).where(Person.email == email))
    if found is None:
        raise LookupError("Nobody in the network has this address any more.")
    return found


def email_of(sessions: sessionmaker[Session], person: int) -> str:
    """The address of a person by id; LookupError if they are gone."""
    with sessions() as s:
        found = s.scalar(select(Person.email).where(Person.id == person))
    if found is None:
        raise LookupError("This link's person is no longer in the network.")
    return found
