"""Signed links and cookies: a genuine token verifies; an edited, forged, mistargeted or expired one is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.access.tokens import OPEN, REPLY, BadToken, Signer, open_link, reply_link

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SIGNER = Signer("a-long-secret-for-tests-only-0123456789")


def test_a_genuine_token_gives_back_what_it_binds() -> None:
    token = SIGNER.sign(
        "approve",
        {"person": 7, "city": "BKO", "trigger": "send_to_committee", "version": 12},
        at=AT,
        lasts=timedelta(days=7),
    )
    claims = SIGNER.verify(token, "approve", at=AT + timedelta(days=6))
    assert claims.data == {"person": 7, "city": "BKO", "trigger": "send_to_committee", "version": 12}
    assert claims.expires == AT + timedelta(days=7) and len(claims.jti) >= 16


def test_an_edited_token_is_refused() -> None:
    """Changing the city (or anything) in the payload breaks the signature."""
    token = SIGNER.sign("approve", {"city": "BKO"}, at=AT, lasts=timedelta(days=1))
    body, mac = token.split(".")
    forged = SIGNER.sign("approve", {"city": "NIM"}, at=AT, lasts=timedelta(days=1)).split(".")[0] + "." + mac
    with pytest.raises(BadToken, match="changed or forged"):
        SIGNER.verify(forged, "approve", at=AT)
    with pytest.raises(BadToken, match="changed or forged"):
        SIGNER.verify(body + ".", "approve", at=AT)


def test_another_installations_token_is_refused() -> None:
    other = Signer("another-installation-secret-0123456789abcdef")
    with pytest.raises(BadToken, match="changed or forged"):
        SIGNER.verify(other.sign("signin", {}, at=AT, lasts=timedelta(minutes=15)), "signin", at=AT)


def test_a_token_for_one_purpose_does_not_open_another() -> None:
    """A sign-in link is not an approval, nor a session."""
    token = SIGNER.sign("signin", {"person": 7}, at=AT, lasts=timedelta(minutes=15))
    with pytest.raises(BadToken, match="something else"):
        SIGNER.verify(token, "approve", at=AT)


def test_an_expired_token_is_refused() -> None:
    token = SIGNER.sign("signin", {"person": 7}, at=AT, lasts=timedelta(minutes=15))
    assert SIGNER.verify(token, "signin", at=AT + timedelta(minutes=14)).data == {"person": 7}
    with pytest.raises(BadToken, match="expired"):
        SIGNER.verify(token, "signin", at=AT + timedelta(minutes=15))


def test_every_token_is_unique_even_for_the_same_claims() -> None:
    """Single use is kept by the token's id: two links for the same thing are two ids."""
    a = SIGNER.verify(SIGNER.sign("signin", {"p": 1}, at=AT, lasts=timedelta(minutes=5)), "signin", at=AT)
    b = SIGNER.verify(SIGNER.sign("signin", {"p": 1}, at=AT, lasts=timedelta(minutes=5)), "signin", at=AT)
    assert a.jti != b.jti


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 characters"):
        Signer("short")


def test_each_refusal_names_its_sentence_and_an_expired_link_still_says_whose_it_was() -> None:
    """Pages say a refusal in the reader's language from its key; an expired link's page speaks its person's."""
    token = SIGNER.sign("open", {"person": 7, "city": "MTL"}, at=AT, lasts=timedelta(days=7))
    with pytest.raises(BadToken) as expired:
        SIGNER.verify(token, "open", at=AT + timedelta(days=7))
    assert expired.value.key == "expired" and expired.value.data == {"person": 7, "city": "MTL"}
    with pytest.raises(BadToken) as other:
        SIGNER.verify(token, "reply", at=AT)
    assert other.value.key == "other_purpose" and other.value.data == {}, "a link for something else tells nothing"
    with pytest.raises(BadToken) as forged:
        SIGNER.verify(token[:-3] + "AAA", "open", at=AT)
    assert forged.value.key == "forged" and forged.value.data == {}


def test_message_links_bind_their_person_city_and_version() -> None:
    """The way in carries no act; an answer carries its act and the city's version, like an approval."""
    way_in = open_link(SIGNER, "https://j.example", 7, 3, "BKO", AT).removeprefix("https://j.example/open/")
    assert SIGNER.verify(way_in, OPEN, at=AT).data == {"person": 7, "k": 3, "city": "BKO"}
    answer = reply_link(SIGNER, "https://j.example", 7, 3, "BKO", "confirm", 4, AT)
    claims = SIGNER.verify(answer.removeprefix("https://j.example/reply/"), REPLY, at=AT + timedelta(days=13))
    assert claims.data == {"person": 7, "k": 3, "city": "BKO", "trigger": "confirm", "version": 4}
    with pytest.raises(BadToken, match="expired"):
        SIGNER.verify(way_in, OPEN, at=AT + timedelta(days=7))
