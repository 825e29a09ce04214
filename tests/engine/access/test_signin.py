"""Sign-in links go to known addresses only, through the outbox; any single-use link serves exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.access.signin import (
    AlreadyUsed,
    Asked,
    LinkGone,
    email_of,
    newest_link,
    pending_signins,
    request_link,
    spend,
)
from models import OutboxMessage, Person
from support import COACH_BKO, Network


def test_a_known_address_gets_a_link_and_a_stranger_nothing(network: Network) -> None:
    """The same answer either way to the asker; only a person of the network gets mail."""
    at = network.tick()
    link = "https://jalon.example.org/signin/tok.en"

    def made(serial: int, key: int) -> str:
        return link

    later = at + timedelta(minutes=15)
    assert request_link(network.sessions, COACH_BKO.upper(), "10.0.0.1", made, later, at) is Asked.SENT
    assert request_link(network.sessions, "stranger@example.org", "10.0.0.1", made, later, at) is Asked.NOBODY
    assert request_link(network.sessions, "not an address", "10.0.0.1", made, at, at) is Asked.NOBODY
    with network.sessions() as s:
        rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "signin_link")))
        coach = s.scalar(select(Person.id).where(Person.email == COACH_BKO))
    assert [(r.recipient_id, r.payload["link"]) for r in rows] == [(coach, link)]
    assert pending_signins(network.sessions, coach or 0) == [rows[0].key]


def test_a_single_use_link_serves_once(network: Network) -> None:
    at = network.tick()
    spend(network.sessions, "jti-1", "signin", None, at)
    with pytest.raises(AlreadyUsed, match="used already"):
        spend(network.sessions, "jti-1", "signin", None, at + timedelta(seconds=1))
    spend(network.sessions, "jti-2", "approve", None, at)


def test_a_link_whose_person_moved_on_names_why(network: Network) -> None:
    """A newer link, changed access, a person gone: each refusal carries the key its page says it by."""
    with network.sessions() as s:
        coach = s.scalars(select(Person).where(Person.email == COACH_BKO)).one()
        serial, key = coach.signin_serial, coach.access_key
    with pytest.raises(LinkGone) as newer:
        newest_link(network.sessions, COACH_BKO, serial + 1, key)
    assert newer.value.key == "newer"
    with pytest.raises(LinkGone) as changed:
        newest_link(network.sessions, COACH_BKO, serial, key + 1)
    assert changed.value.key == "withdrawn"
    with pytest.raises(LinkGone) as gone:
        email_of(network.sessions, 10**6)
    assert gone.value.key == "gone"
    assert AlreadyUsed.key == "used"
