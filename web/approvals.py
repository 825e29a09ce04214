"""Approval links on the web: which acts are a reviewer's verdict, and whether a link may act now, for whom."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from engine.access.grants import holder
from engine.access.signin import AlreadyUsed, used
from engine.access.tokens import APPROVE, BadToken, Signer
from states import CITY_JOURNEY
from web import auth

APPROVING = frozenset(t.trigger for t in CITY_JOURNEY.reviewing())


APPROVAL_STAGES = frozenset(s for t in CITY_JOURNEY.reviewing() for s in t.sources)


def changes_to(approving: str) -> str | None:
    """The verdict that asks for changes to what the approving one approves (its review's other verdict)."""
    reviews = CITY_JOURNEY.transition(approving).reviews
    asks = (t.trigger for t in CITY_JOURNEY.reviewing() if reviews and t.reviews == reviews and not t.approves)
    return next(asks, None)


def approval(signer: Signer, sessions: sessionmaker[Session], token: str, signed_in: int | None) -> Any:
    """A genuine, unexpired, unused approval link of a person who still has access, opened in their own browser.

    Staleness is the engine's (the version it is bound to). A link opened in someone else's session is refused:
    forwarded to the person who submitted the plan, it would otherwise approve it in the coach's name.
    """
    claims = signer.verify(token, APPROVE, at=auth.now())
    if used(sessions, claims.jti):
        raise AlreadyUsed("This link has been used already.")
    with sessions() as s:
        person = holder(s, int(claims.data.get("person") or 0), claims.data.get("k"))
    if person is None:
        raise BadToken("This link was withdrawn: its person's access changed since it was sent.")
    if signed_in is not None and signed_in != person.id:
        raise BadToken(
            f"This link is for {person.email}, and you are signed in as someone else. "
            "Sign out first, or open it in a private window."
        )
    return claims
