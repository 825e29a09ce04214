"""Approval and answer links on the web: which acts are verdicts of a review, and whether a link may act now."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from engine.access.grants import holder
from engine.access.signin import AlreadyUsed, used
from engine.access.tokens import APPROVE, BadToken, Signer
from states import CITY_JOURNEY
from web import auth

# "My approvals" lists the verdicts on what someone submitted (a plan, a report): a coach's work. The answers to
# the selection (confirm or decline) are one question too, but a city's own, answered from its selection notice.
SUBMITTED = frozenset(t.submits for t in CITY_JOURNEY.transitions if t.submits)
APPROVING = frozenset(t.trigger for t in CITY_JOURNEY.reviewing() if t.reviews in SUBMITTED)


APPROVAL_STAGES = frozenset(s for t in CITY_JOURNEY.reviewing() if t.trigger in APPROVING for s in t.sources)


def changes_to(approving: str) -> str | None:
    """The other answer to the question the approving one answers (ask for changes; decline an invitation)."""
    reviews = CITY_JOURNEY.transition(approving).reviews
    asks = (t.trigger for t in CITY_JOURNEY.reviewing() if reviews and t.reviews == reviews and not t.approves)
    return next(asks, None)


def approval(
    signer: Signer, sessions: sessionmaker[Session], token: str, signed_in: int | None, purpose: str = APPROVE
) -> Any:
    """A genuine, unexpired, unused link of a person who still has access, opened in their own browser.

    Staleness is the engine's (the version it is bound to). A link opened in someone else's session is refused:
    forwarded to the person who submitted the plan, it would otherwise approve it in the coach's name.
    """
    claims = signer.verify(token, purpose, at=auth.now())
    if used(sessions, claims.jti):
        raise AlreadyUsed("This link has been used already.")
    with sessions() as s:
        person = holder(s, int(claims.data.get("person") or 0), claims.data.get("k"))
    if person is None:
        raise BadToken(
            "This link was withdrawn: its person's access changed since it was sent.", "withdrawn", claims.data
        )
    if signed_in is not None and signed_in != person.id:
        raise BadToken(
            f"This link is for {person.email}, and you are signed in as someone else. "
            "Sign out first, or open it in a private window.",
            "someone_else",
            claims.data | {"email": person.email},
        )
    return claims
