"""A real SMTP server on loopback for tests: Jalon's own mail sink, with the refusals and crashes real servers have."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as DEFAULT_POLICY
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from notifications.channels import Address, Outcome, Outgoing
from notifications.email import EmailChannel, SmtpSettings
from notifications.sink import Folder


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server(Folder):
    """The sink, remembering each connection, refusing some recipients, and calling a hook on each message."""

    def __init__(
        self,
        folder: Path,
        refuse: dict[str, str] | None = None,
        on_message: Callable[[int], None] | None = None,
        hang_up: frozenset[str] = frozenset(),
        slow: dict[str, float] | None = None,
    ) -> None:
        super().__init__(folder)
        self.refuse = refuse or {}
        self.on_message = on_message
        self.hang_up = hang_up  # address fragments: keep the message, then drop the connection before the 250
        self.slow = slow or {}  # address fragment -> seconds to wait before the 250 (past the client's timeout)
        self.peers: list[Any] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        """Refuse the addresses the test names, as a real server would (550 unknown, 451 try later)."""
        for needle, answer in self.refuse.items():
            if needle in address:
                return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keep the message, then let the test act (kill the sender before it hears the answer, say)."""
        if session.peer not in self.peers:
            self.peers.append(session.peer)
        answer = await super().handle_DATA(server, session, envelope)
        if self.on_message:
            self.on_message(self.count)
        to = " ".join(str(a) for a in envelope.rcpt_tos)
        if any(needle in to for needle in self.hang_up) and isinstance(server.transport, asyncio.Transport):
            server.transport.abort()  # the message is kept, the answer never leaves: the sender cannot know
        for needle, seconds in self.slow.items():
            if needle in to:
                await asyncio.sleep(seconds)
        return answer


class Mailbox:
    """A running server and what it received, read back from its .eml files as a person's mail client would."""

    def __init__(self, folder: Path, port: int | None = None, **behaviour: Any) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.server = Server(folder, **behaviour)
        self.controller = Controller(self.server, hostname="127.0.0.1", port=self.port, decode_data=False)
        self.controller.start()

    def stop(self) -> None:
        """Stop listening (the files stay)."""
        self.controller.stop()

    def messages(self) -> list[EmailMessage]:
        """Every message received, in arrival order."""
        return [message_from_bytes(p.read_bytes(), policy=DEFAULT_POLICY) for p in sorted(self.folder.glob("*.eml"))]


def smtp(port: int, timeout: float = 5.0) -> EmailChannel:
    """Jalon's email channel pointed at a test server: plain SMTP on loopback, no login, as with `jalon mail-sink`."""
    sender = Address("Secrétariat ASToN", "jalon@aston.example.org")
    return EmailChannel(SmtpSettings("127.0.0.1", port, "none", None, None, timeout, sender))


@dataclass
class Flaky:
    """A channel around the real email channel that, on one message, lets the test act first (a crash, a rival)."""

    inner: EmailChannel
    on: Callable[[Outgoing], Outcome | None]
    name: str = "email"

    def message_id(self, key: str) -> str:
        return self.inner.message_id(key)

    @contextmanager
    def connect(self) -> Iterator[Flaky]:
        with self.inner.connect() as sender:
            self.sender = sender
            yield self

    def expect(self, messages: Sequence[Outgoing]) -> None:
        self.sender.expect(messages)

    def send(self, message: Outgoing) -> Outcome:
        return self.on(message) or self.sender.send(message)
