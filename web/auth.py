"""Who is asking, and whether the form came from our own page: session cookies and CSRF tokens, both signed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.access.tokens import BadToken, Signer
from models import Person

SESSION, BROWSER = "jalon_session", "jalon_browser"
SESSION_LASTS = timedelta(hours=12)
CSRF_LASTS = timedelta(hours=12)


@dataclass(frozen=True)
class Reader:
    """The signed-in person, as pages need them."""

    id: int
    email: str
    name: str
    language: str | None


class NotSignedIn(Exception):
    """No valid session: the page sends the person to sign in."""


class Forbidden(Exception):
    """A form without a valid CSRF token, or a link that is not for this person: refused, nothing changed."""


def now() -> datetime:
    """The web's clock (the engine takes it explicitly from here)."""
    return datetime.now(UTC)


def secure(request: Request) -> bool:
    """Served over TLS (directly or behind a proxy that says so): cookies are then Secure."""
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def browser(request: Request) -> tuple[str, bool]:
    """This browser's random id (kept in an HttpOnly cookie; CSRF tokens are bound to it), and whether it is new."""
    found = request.cookies.get(BROWSER)
    if found and len(found) >= 16:
        return found, False
    return secrets.token_urlsafe(16), True


def remember_browser(request: Request, response: Response, made: str) -> None:
    """Set the browser cookie a page's forms were bound to."""
    response.set_cookie(BROWSER, made, httponly=True, samesite="strict", secure=secure(request), max_age=86400 * 30)


def csrf_token(signer: Signer, made: str) -> str:
    """The hidden field every form carries: signed, bound to this browser's cookie, expiring."""
    return signer.sign("csrf", {"b": made}, at=now(), lasts=CSRF_LASTS)


def check_csrf(signer: Signer, request: Request, token: str | None) -> None:
    """Refuse a POST whose token is missing, forged, expired, or made for another browser."""
    cookie = request.cookies.get(BROWSER)
    if not token or not cookie:
        raise Forbidden("This form is missing its security token; open the page again and resubmit.")
    try:
        claims = signer.verify(token, "csrf", at=now())
    except BadToken:
        raise Forbidden("This form's security token is not valid; open the page again and resubmit.") from None
    if claims.data.get("b") != cookie:
        raise Forbidden("This form was not made for this browser; open the page again and resubmit.")


def sign_in(signer: Signer, request: Request, response: Response, person: int) -> None:
    """The session cookie: signed, HttpOnly, SameSite=Lax (links from email still open pages), Secure over TLS."""
    token = signer.sign("session", {"person": person}, at=now(), lasts=SESSION_LASTS)
    max_age = int(SESSION_LASTS.total_seconds())
    response.set_cookie(SESSION, token, httponly=True, samesite="lax", secure=secure(request), max_age=max_age)


def reader(signer: Signer, sessions: sessionmaker[Session], request: Request) -> Reader:
    """The person whose valid session cookie came with the request; NotSignedIn otherwise."""
    token = request.cookies.get(SESSION)
    if not token:
        raise NotSignedIn
    try:
        claims = signer.verify(token, "session", at=now())
    except BadToken:
        raise NotSignedIn from None
    with sessions() as s:
        person = s.scalar(select(Person).where(Person.id == claims.data.get("person")))
        if person is None:
            raise NotSignedIn
        return Reader(person.id, person.email, person.name, person.language)
