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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from states import CITY_JOURNEY


class BadToken(ValueError):
    """A token that is forged, for another purpose, malformed or expired: said in one plain sentence."""


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
            raise BadToken("This link is not one Jalon made (it was changed or forged).")
        try:
            payload = json.loads(_unb64(body))
        except ValueError:
            raise BadToken("This link is damaged.") from None
        if payload.get("p") != purpose:
            raise BadToken("This link is for something else.")
        expires = datetime.fromtimestamp(int(payload["e"]), UTC)
        if at >= expires:
            raise BadToken("This link has expired; ask for a new one.")
        return Claims(purpose, str(payload["j"]), expires, dict(payload.get("d") or {}))


STABLE_UNTIL = 4102444800  # 2100-01-01: a subscription link lasts as long as its holder's access
APPROVE = "approve"
APPROVE_LASTS = timedelta(days=14)


def installation() -> tuple[Signer, str] | None:
    """The installation's signer and public URL (None without JALON_SECRET_KEY: messages then carry no links)."""
    from models.settings import Settings

    settings = Settings()
    if settings.secret_key is None:
        return None
    return Signer(settings.secret_key.get_secret_value()), settings.public_url.rstrip("/")


def approval_links(signer: Signer, base: str) -> Callable[[int, int, str, str, dict[str, Any], datetime], str | None]:
    """What delivery asks for each message: a link approving what the act submitted, for a reader who may approve it.

    Which verdict approves what is the journey's (states/, `approves=True`); whose it is, the transition's roles.
    """

    def link(person: int, key: int, role: str, city: str, payload: dict[str, Any], at: datetime) -> str | None:
        verdict = CITY_JOURNEY.approval_of(str(payload.get("trigger", "")))
        if verdict is None or role not in verdict.roles or "version" not in payload:
            return None
        return approval_link(signer, base, person, key, city, verdict.trigger, int(payload["version"]), at)

    return link


def approval_link(
    signer: Signer, base: str, person: int, key: int, city: str, trigger: str, version: int, at: datetime
) -> str:
    """A link bound to one person (and their access key), city, trigger and state version: stale once either moves."""
    data = {"person": person, "k": key, "city": city, "trigger": trigger, "version": version}
    return f"{base}/approve/{signer.sign(APPROVE, data, at=at, lasts=APPROVE_LASTS)}"
