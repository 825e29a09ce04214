"""Signed links and cookies: a genuine token verifies; an edited, forged, mistargeted or expired one is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.access.tokens import BadToken, Signer

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
