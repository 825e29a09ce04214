"""Who is asking, and whether the form came from our own page: session cookies and CSRF tokens, both signed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.access.grants import holder
from engine.access.tokens import BadToken, Signer
from models import Person, UsedToken

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
    session: str  # the session's id: sign-out spends it
    key: int  # the person's access key now (their calendar links carry it)
    timezone: str | None = None  # their own zone, if they gave one: pages show times in it


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


def session_id(signer: Signer, request: Request) -> str:
    """The id of the session cookie the request carries ('' when none, or not one of ours)."""
    token = request.cookies.get(SESSION)
    if not token:
        return ""
    try:
        return signer.verify(token, "session", at=now()).jti
    except BadToken:
        return ""


def csrf_token(signer: Signer, made: str, session: str = "") -> str:
    """The hidden field every form carries: signed, bound to this browser's cookie and its session, expiring."""
    return signer.sign("csrf", {"b": made, "s": session}, at=now(), lasts=CSRF_LASTS)


def check_csrf(signer: Signer, request: Request, token: str | None) -> None:
    """Refuse a POST whose token is missing, forged, expired, or made for another browser or session."""
    cookie = request.cookies.get(BROWSER)
    if not token or not cookie:
        raise Forbidden("This form is missing its security token; open the page again and resubmit.")
    try:
        claims = signer.verify(token, "csrf", at=now())
    except BadToken:
        raise Forbidden("This form's security token is not valid; open the page again and resubmit.") from None
    if claims.data.get("b") != cookie:
        raise Forbidden("This form was not made for this browser; open the page again and resubmit.")
    if claims.data.get("s", "") != session_id(signer, request):
        raise Forbidden("This form was made before you signed in or out; open the page again and resubmit.")


def sign_in(signer: Signer, request: Request, response: Response, person: int, key: int) -> None:
    """The session cookie: signed, HttpOnly, SameSite=Lax (links from email still open pages), Secure over TLS."""
    token = signer.sign("session", {"person": person, "k": key}, at=now(), lasts=SESSION_LASTS)
    max_age = int(SESSION_LASTS.total_seconds())
    response.set_cookie(SESSION, token, httponly=True, samesite="lax", secure=secure(request), max_age=max_age)


def reader(signer: Signer, sessions: sessionmaker[Session], request: Request) -> Reader:
    """The person whose live session came with the request: not signed out, their access not taken away."""
    token = request.cookies.get(SESSION)
    if not token:
        raise NotSignedIn
    try:
        claims = signer.verify(token, "session", at=now())
    except BadToken:
        raise NotSignedIn from None
    with sessions() as s:
        found = holder(s, int(claims.data.get("person") or 0), claims.data.get("k"))
        if found is None or s.get(UsedToken, claims.jti) is not None:  # access taken away, or signed out
            raise NotSignedIn
        person = s.get_one(Person, found.id)
        return Reader(
            person.id, person.email, person.name, person.language, claims.jti, person.access_key, person.timezone
        )


def language_of(sessions: sessionmaker[Session], person_id: object) -> str | None:
    """The language of the person a link was sent to: its page speaks it even when no one is signed in."""
    with sessions() as s:
        person = s.get(Person, int(person_id)) if isinstance(person_id, int) else None
        return person.language if person else None


def language_by_email(sessions: sessionmaker[Session], email: object) -> str | None:
    """The language of the person a sign-in link was sent to (its page speaks it): the link carries their address."""
    if not isinstance(email, str) or not email:
        return None
    with sessions() as s:
        return s.scalar(select(Person.language).where(Person.email == email))
