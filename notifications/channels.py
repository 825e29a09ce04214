"""What a channel must do to carry messages, so chat or a webhook can join email without touching the catalogue."""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from notifications.render import Rendered

EMAIL = re.compile(r"^[^@\s<>,;:\"()\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class HeaderRefused(ValueError):
    """A value bound for a header holds a line break or control character: refused, never folded in."""


def header_safe(value: str, what: str) -> str:
    """The value unchanged if it may go in a header; a line break could otherwise forge a header of its own."""
    if CONTROL.search(value):
        raise HeaderRefused(f"The {what} holds a line break or control character; refused: {value[:60]!r}")
    return value


@dataclass(frozen=True)
class Address:
    """A reader or sender: a display name and an address, both checked before they reach a header."""

    name: str
    email: str

    def __post_init__(self) -> None:
        header_safe(self.name, "display name")
        header_safe(self.email, "address")
        if not EMAIL.match(self.email):
            raise HeaderRefused(f"'{self.email}' is not an email address.")


def parse_address(text: str) -> Address:
    """'Name <a@b>' or 'a@b' (the form of JALON_MAIL_FROM)."""
    header_safe(text, "sender")
    found = re.fullmatch(r"\s*(?:(.*?)\s*<([^<>]+)>|([^<>\s]+))\s*", text)
    if not found:
        raise HeaderRefused(f"'{text}' is not an address; write 'Name <address@domain>'.")
    name, inside, bare = found.groups()
    return Address((name or "").strip().strip('"'), (inside or bare).strip())


@dataclass(frozen=True)
class Attachment:
    """A file made by Jalon (a calendar), never one read from the server's disk."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Outgoing:
    """One message for one reader, ready for any channel."""

    key: str
    message_id: str
    to: Address
    rendered: Rendered
    at: datetime
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Sent:
    """The other side took it; its answer is kept on the outbox row."""

    answer: str


@dataclass(frozen=True)
class Retry:
    """A temporary failure (4xx, a timeout): try again later."""

    reason: str


@dataclass(frozen=True)
class Dropped(Retry):
    """The connection went while this message was in flight (no answer, or one too late): retried later like a
    4xx, attempt counted, and the channel reconnects for the rest. The server may have kept it: a repeat carries
    the same Message-ID."""


@dataclass(frozen=True)
class Failed:
    """A permanent failure (5xx, a bad address): the weekly digest lists it for a person to fix."""

    reason: str


Outcome = Sent | Retry | Failed


class ChannelDown(Exception):
    """The channel cannot be reached at all: nothing in the batch was sent."""


class Sender(Protocol):
    """An open connection that carries messages one by one."""

    def expect(self, messages: Sequence[Outgoing]) -> None:
        """The messages to carry next, in order: a sender may get them ready while it waits on the wire."""
        ...

    def send(self, message: Outgoing) -> Outcome:
        """Carry one message and say how it went; never raises for one message's fault."""
        ...


class Channel(Protocol):
    """A way to reach people (email today; chat or a webhook tomorrow)."""

    name: str

    def message_id(self, key: str) -> str:
        """The identity one outbox row keeps across every attempt, so a repeat can be recognised."""
        ...

    def connect(self) -> AbstractContextManager[Sender]:
        """One connection for a batch; raises ChannelDown if it cannot be opened."""
        ...
