"""Passwordless sign-in: a link by email, single use; and the ledger that makes any link single-use."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from engine.journey.fields import parse_email
from engine.journey.notify import email_row, queue_new
from engine.lookups import aware
from models import OutboxMessage, Person, Programme, SigninRequest, UsedToken
from models.db import writing

WINDOW = timedelta(minutes=15)
PER_ADDRESS = 3  # links asked for one address in a window; past it, the page asks to wait
PER_CLIENT = 10  # and from one client, whatever the addresses


class AlreadyUsed(ValueError):
    """A single-use link that has served once already."""

    key = "used"  # its sentence in the reader's language (web/reply_words.py)


class LinkGone(LookupError):
    """A link whose person no longer holds it: their access changed, a newer link was sent, or they left."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


class Asked(Enum):
    """What became of a request for a sign-in link (the page says the same for the first two)."""

    SENT = "sent"
    NOBODY = "nobody"
    WAIT = "wait"


def _address(text: str) -> str:
    """The address as the flood ledger keeps it: hashed, so the table is no list of who tried."""
    return hashlib.sha256(text.strip().lower().encode()).hexdigest()


def request_link(
    sessions: sessionmaker[Session],
    email: str,
    client: str,
    link: Callable[[int, int], str],
    expires: datetime,
    at: datetime,
) -> Asked:
    """Queue a sign-in link for this address if a person has it; the caller says the same thing either way.

    Saying "no such person" would tell a stranger who is in the network. Floods are refused the same way
    for every address, known or not: three links per address and ten per client in a quarter of an hour.
    The new link voids the older ones (`link(serial, key)` makes it for the person's next serial).
    """
    at = aware(at)
    hashed = _address(email)
    with sessions.begin() as s:
        writing(s)
        s.execute(delete(SigninRequest).where(SigninRequest.at < at - WINDOW))
        recent = select(func.count(SigninRequest.id)).where(SigninRequest.at >= at - WINDOW)
        flooded = (s.scalar(recent.where(SigninRequest.address == hashed)) or 0) >= PER_ADDRESS or (
            s.scalar(recent.where(SigninRequest.client == client[:64])) or 0
        ) >= PER_CLIENT
        s.add(SigninRequest(address=hashed, client=client[:64], at=at))  # refused ones count too: a flood waits
        if flooded:
            return Asked.WAIT
        try:
            address = parse_email(email)
        except ValueError:
            return Asked.NOBODY
        person = s.scalar(select(Person).where(Person.email == address, Person.gone_at.is_(None)))
        if person is None:
            return Asked.NOBODY
        serial = person.signin_serial + 1
        s.execute(update(Person).where(Person.id == person.id).values(signin_serial=serial))
        programme = s.scalar(select(Programme.code).order_by(Programme.id).limit(1))
        key = f"signin_link:{person.id}:{serial}"
        payload = {
            "link": link(serial, person.access_key),
            "expires": aware(expires).isoformat(),
            "at": at.isoformat(),
            "programme": programme,
        }
        queue_new(s, [email_row(key, "signin_link", None, person.id, payload, at)])
    return Asked.SENT


def newest_link(sessions: sessionmaker[Session], email: str, serial: object, key: object) -> int:
    """The person a sign-in link is for, if it is their newest and their access was not taken away since."""
    with sessions() as s:
        row = s.execute(
            select(Person.id, Person.signin_serial, Person.access_key).where(
                Person.email == email, Person.gone_at.is_(None)
            )
        ).first()
    if row is None or row.access_key != key:
        raise LinkGone(
            "This link no longer works: your access changed since it was sent. Ask for a new one.", "withdrawn"
        )
    if row.signin_serial != serial:
        raise LinkGone("A newer sign-in link was sent since this one; use the newest, or ask for a new one.", "newer")
    return int(row.id)


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


def email_of(sessions: sessionmaker[Session], person: int) -> str:
    """The address of a person by id; LookupError if they are gone."""
    with sessions() as s:
        found = s.scalar(select(Person.email).where(Person.id == person))
    if found is None:
        raise LinkGone("This link's person is no longer in the network.", "gone")
    return found
