"""What the engine lends delivery for each message: whose move a stage waits on, and links bound to its reader.

Links are minted as a message is written (never stored in the outbox) and only when the installation can sign
(JALON_SECRET_KEY): without it the messages still say what to do, with no link.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.access.tokens import Signer, approval_link, open_link, reply_link
from states import CITY_JOURNEY


class MessageLinks:
    """The lifecycle's word on a message's reader (may they answer? whose move is it?) and their signed links."""

    def __init__(self, signing: tuple[Signer, str] | None) -> None:
        self.signing = signing

    def waits_on(self, stage: str) -> str | None:
        """Whose move it is in this stage (its waiting-on tag), None for a stage that waits on nobody."""
        try:
            return CITY_JOURNEY.waits_on(stage)
        except KeyError:
            return None

    def approve(self, person: int, key: int, role: str, city: str, payload: dict[str, Any], at: datetime) -> str | None:
        """A link approving what the act submitted, for a reader whose role gives that verdict."""
        verdict = CITY_JOURNEY.approval_of(str(payload.get("trigger", "")))
        if self.signing is None or verdict is None or role not in verdict.roles or "version" not in payload:
            return None
        signer, base = self.signing
        return approval_link(signer, base, person, key, city, verdict.trigger, int(payload["version"]), at)

    def open(self, person: int, key: int, city: str, at: datetime) -> str | None:
        """The reader's single-use way in to the city's page."""
        if self.signing is None:
            return None
        signer, base = self.signing
        return open_link(signer, base, person, key, city, at)

    def reply(
        self, person: int, key: int, role: str, city: str, state: str, trigger: str, version: int, at: datetime
    ) -> str | None:
        """An answer given from the message, if the reader's role may give it from the city's stage now."""
        if self.signing is None:
            return None
        t = CITY_JOURNEY.transition(trigger)
        if role not in t.roles or state not in t.sources:
            return None
        signer, base = self.signing
        return reply_link(signer, base, person, key, city, trigger, version, at)
