"""Signed, expiring tokens for links and cookies: sign-in links, sessions, approval links, CSRF.

A token is `<base64url payload>.<base64url HMAC-SHA256>`; the payload is JSON with a purpose, an expiry and
a unique id. What it grants is bound into it (a person, a city, a trigger, a state version), so it cannot be
edited, reused for another purpose, or replayed after it expires; single use is the caller's ledger.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any


class BadToken(ValueError):
    """A token that is forged, for another purpose, malformed or expired: said in one plain sentence.

    `key` names the sentence for pages in the reader's language (web/reply_words.py); `data` is what an expired
    but genuine token carried (whose link it was: its page then speaks their language).
    """

    def __init__(self, message: str, key: str = "bad_link", data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.data = data or {}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Claims:
    """What a verified token says."""

    purpose: str
    jti: str
    expires: datetime
    data: dict[str, Any]


class Signer:
    """Signs and verifies with one secret (JALON_SECRET_KEY); a different secret per installation."""

    def __init__(self, secret: str) -> None:
        if len(secret) < 32:
            raise ValueError("JALON_SECRET_KEY must be at least 32 characters.")
        self._key = hashlib.sha256(b"jalon-tokens:" + secret.encode()).digest()

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def sign(self, purpose: str, data: dict[str, Any], *, at: datetime, lasts: timedelta) -> str:
        """A token for one purpose, valid from `at` for `lasts`, carrying `data`."""
        payload = {"p": purpose, "j": secrets.token_urlsafe(12), "e": int((at + lasts).timestamp()), "d": data}
        body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
        return f"{body}.{self._mac(body)}"

    def sign_stable(self, purpose: str, data: dict[str, Any]) -> str:
        """The same token for the same data every time (a calendar subscription): revoked by what it carries."""
        jti = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
        payload = {"p": purpose, "j": jti, "e": STABLE_UNTIL, "d": data}
        body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
        return f"{body}.{self._mac(body)}"

    def verify(self, token: str, purpose: str, *, at: datetime) -> Claims:
        """The claims of a genuine, unexpired token of this purpose; BadToken otherwise."""
        body, _, mac = token.partition(".")
        if not body or not mac or not hmac.compare_digest(mac, self._mac(body)):
            raise BadToken("This link is not one Jalon made (it was changed or forged).", "forged")
        try:
            payload = json.loads(_unb64(body))
        except ValueError:
            raise BadToken("This link is damaged.", "damaged") from None
        if payload.get("p") != purpose:
            raise BadToken("This link is for something else.", "other_purpose")
        expires = datetime.fromtimestamp(int(payload["e"]), UTC)
        data = dict(payload.get("d") or {})
        if at >= expires:
            raise BadToken("This link has expired; ask for a new one.", "expired", data)
        return Claims(purpose, str(payload["j"]), expires, data)


STABLE_UNTIL = 4102444800  # 2100-01-01: a subscription link lasts as long as its holder's access
APPROVE = "approve"
APPROVE_LASTS = timedelta(days=14)
OPEN = "open"  # a message's way in: signs its reader in, once, and opens their city's page
OPEN_LASTS = timedelta(days=7)
REPLY = "reply"  # the simplest answers, given from the message: confirm (or decline) a place, acknowledge a reminder
REPLY_LASTS = timedelta(days=14)


def installation() -> tuple[Signer, str] | None:
    """The installation's signer and public URL (None without JALON_SECRET_KEY: messages then carry no links)."""
    from models.settings import Settings

    settings = Settings()
    if settings.secret_key is None:
        return None
    return Signer(settings.secret_key.get_secret_value()), settings.public_url.rstrip("/")


def approval_link(
    signer: Signer, base: str, person: int, key: int, city: str, trigger: str, version: int, at: datetime
) -> str:
    """A link bound to one person (and their access key), city, trigger and state version: stale once either moves."""
    data = {"person": person, "k": key, "city": city, "trigger": trigger, "version": version}
    return f"{base}/approve/{signer.sign(APPROVE, data, at=at, lasts=APPROVE_LASTS)}"


def open_link(signer: Signer, base: str, person: int, key: int, city: str, at: datetime) -> str:
    """A single-use way in to one city's page for one person (and their access key): it signs them in first."""
    data = {"person": person, "k": key, "city": city}
    return f"{base}/open/{signer.sign(OPEN, data, at=at, lasts=OPEN_LASTS)}"


def reply_link(
    signer: Signer, base: str, person: int, key: int, city: str, trigger: str, version: int, at: datetime
) -> str:
    """An answer from the message (a trigger), bound like an approval to one person, city and state version."""
    data = {"person": person, "k": key, "city": city, "trigger": trigger, "version": version}
    return f"{base}/reply/{signer.sign(REPLY, data, at=at, lasts=REPLY_LASTS)}"
