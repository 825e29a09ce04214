"""The email channel: we build each MIME message ourselves and yagmail carries it, one connection per batch.

yagmail's own message builder is bypassed on purpose (see the README's list of its hazards): it attaches any
content string that names an existing file, gives the plain-text part the HTML source, derives Message-IDs
from sender, recipient and subject, drops display names, and opens a new connection on every send().
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from email.charset import QP, Charset
from email.encoders import encode_base64
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr
from typing import Any, cast

import yagmail
from pydantic import SecretStr

from notifications.channels import (
    Address,
    ChannelDown,
    Dropped,
    Failed,
    HeaderRefused,
    Outcome,
    Outgoing,
    Retry,
    Sent,
    header_safe,
)

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def message_id(key: str, sender: Address) -> str:
    """The same Message-ID for every attempt at one outbox row, and a different one for every row."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}.jalon@{sender.email.rsplit('@', 1)[1]}>"


def _utf8() -> Charset:
    charset = Charset("utf-8")
    charset.body_encoding = QP  # readable in the .eml a person opens, safe on any server (no 8BITMIME needed)
    return charset


UTF8 = _utf8()
WIRE = compat32.clone(linesep="\r\n")  # what SMTP carries


def _address(a: Address) -> str:
    return formataddr((a.name, a.email), charset="utf-8") if a.name else a.email


def _text(body: str, subtype: str) -> MIMEText:
    return MIMEText(body if body.endswith("\n") else body + "\n", subtype, UTF8)  # type: ignore[arg-type]


def compose(message: Outgoing, sender: Address) -> bytes:
    """A multipart message as it goes on the wire: a real text part, an HTML part, Jalon's own attachments.

    Built on the email package's compat32 classes: the same message as EmailMessage's, read back by any client,
    in a third of the time (its header registry parses and refolds every header; at 300 messages a second it
    was most of the run), and without its folding bug that ate the space before a word with an accent.
    """
    subject = header_safe(message.rendered.subject, "subject")
    body = MIMEMultipart(
        "alternative", _subparts=[_text(message.rendered.text, "plain"), _text(message.rendered.html, "html")]
    )
    msg = MIMEMultipart("mixed", _subparts=[body]) if message.attachments else body
    for a in message.attachments:
        part = MIMEBase(*a.content_type.split("/", 1))
        part.set_payload(a.data)
        encode_base64(part)
        part.add_header("Content-Disposition", "attachment", filename=header_safe(a.filename, "file name"))
        msg.attach(part)
    msg["Subject"] = subject if subject.isascii() else cast(str, Header(subject, "utf-8"))  # folded as encoded words
    msg["From"] = _address(sender)
    msg["To"] = _address(message.to)
    msg["Date"] = format_datetime(message.at)
    msg["Message-ID"] = header_safe(message.message_id, "Message-ID")
    msg["Auto-Submitted"] = "auto-generated"
    msg["Content-Language"] = header_safe(message.rendered.language, "language")
    return msg.as_bytes(policy=WIRE)


class _Answering(smtplib.SMTP):
    """smtplib's client, keeping the server's answer to DATA (sendmail drops it)."""

    answer = ""
    carrying = False  # DATA begun: a drop from here on is this message's doing (or fate), not a server down

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.carrying = True
        code, reply = super().data(msg)
        self.answer = f"{code} {reply.decode(errors='replace')}"
        return code, reply


class _AnsweringSSL(smtplib.SMTP_SSL, _Answering):
    """The same over implicit TLS."""


class _Yagmail(yagmail.SMTP):  # type: ignore[misc]
    """yagmail's connection handling (TLS, login, close), with the answer to each message kept."""

    @property
    def connection(self) -> type[smtplib.SMTP]:
        return _AnsweringSSL if self.ssl else _Answering


@dataclass(frozen=True)
class SmtpSettings:
    """Where mail goes; the password stays a secret until the moment of login."""

    host: str
    port: int
    security: str  # none, starttls, ssl
    user: str | None
    password: SecretStr | None
    timeout: float
    sender: Address

    def __post_init__(self) -> None:
        if self.user and self.password is None:
            # yagmail would look for a keyring (NameError without one) or prompt on a terminal nobody watches
            raise ValueError("JALON_SMTP_USER is set but JALON_SMTP_PASSWORD is not; set both, or neither.")
        if self.user and self.security == "none" and self.host not in LOOPBACK:
            raise ValueError(
                f"a login to {self.host} without TLS would send the password in clear; "
                "set JALON_SMTP_SECURITY to starttls or ssl."
            )

    def shown(self) -> str:
        """Where mail goes, safe to print (never the password)."""
        who = f"{self.user}@" if self.user else ""
        return f"smtp://{who}{self.host}:{self.port} ({self.security})"


def _code(exc: smtplib.SMTPResponseException) -> tuple[int, str]:
    error = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return exc.smtp_code, f"{exc.smtp_code} {error}"


def _judge(code: int, answer: str) -> Outcome:
    """5xx is permanent; anything else the server refused is worth another try later."""
    return Failed(answer) if 500 <= code < 600 else Retry(answer)


class EmailSender:
    """One open SMTP connection (through yagmail) carrying one batch."""

    def __init__(self, yag: _Yagmail, settings: SmtpSettings) -> None:
        self.yag, self.settings = yag, settings
        self.composer = ThreadPoolExecutor(1, thread_name_prefix="jalon-compose")
        self.ahead: dict[str, Future[bytes]] = {}

    def expect(self, messages: Sequence[Outgoing]) -> None:
        """Compose what comes next on a thread of its own, while this one waits on the server and the database."""
        for m in messages:
            self.ahead[m.key] = self.composer.submit(compose, m, self.settings.sender)

    def close(self) -> None:
        """Drop what was composed ahead and not sent."""
        self.composer.shutdown(wait=True, cancel_futures=True)
        self.ahead.clear()

    def send(self, message: Outgoing) -> Outcome:
        """Send one message; a connection lost before its DATA is ChannelDown (the rest waits), after it Dropped."""
        ready = self.ahead.pop(message.key, None)
        try:
            mime = ready.result() if ready else compose(message, self.settings.sender)
        except (HeaderRefused, ValueError) as exc:
            return Failed(f"refused before sending: {exc}")
        smtp = self.yag.smtp
        smtp.carrying = False
        try:
            refused = smtp.sendmail(self.settings.sender.email, [message.to.email], mime)
        except smtplib.SMTPRecipientsRefused as exc:
            return _judge(*_refusal_of(exc.recipients))
        except smtplib.SMTPResponseException as exc:  # before OSError: SMTPException is one, but this is one message's
            return _judge(*_code(exc))
        except (smtplib.SMTPNotSupportedError, UnicodeEncodeError) as exc:
            return Failed(f"this server cannot carry it: {exc}")  # e.g. an address beyond ASCII without SMTPUTF8
        except OSError as exc:  # SMTPServerDisconnected among them: the connection went
            if not smtp.carrying:
                raise ChannelDown(f"the mail server went away: {exc}") from None
            smtp.close()  # the socket only (no QUIT to a server that hung up or went quiet); a new one for the rest
            late = "timed out" in str(exc) or isinstance(exc, TimeoutError)
            return Dropped(
                f"the mail server took the message but gave no answer within {self.settings.timeout:g} s: {exc}"
                if late
                else f"the mail server closed the connection before answering the message: {exc}"
            )
        if refused:
            return _judge(*_refusal_of(refused))
        return Sent(self.yag.smtp.answer or "250")


def _refusal_of(refused: dict[str, tuple[int, bytes]]) -> tuple[int, str]:
    code, reply = next(iter(refused.values()))
    return code, f"{code} {reply.decode(errors='replace')}"


class EmailChannel:
    """Email through yagmail, on the settings from the environment."""

    name = "email"

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def message_id(self, key: str) -> str:
        """The Message-ID of one outbox row, from the sender's domain."""
        return message_id(key, self.settings.sender)

    @contextmanager
    def connect(self) -> Iterator[EmailSender]:
        """Log in once; every message of the batch goes over this connection; closed at the end, always."""
        s = self.settings
        # smtplib's own default checks neither certificate nor host name; made only for TLS (it reads the CA store)
        tls = ssl.create_default_context() if s.security in ("starttls", "ssl") else None
        yag = _Yagmail(
            user=s.user or None,
            password=s.password.get_secret_value() if s.password else None,
            host=s.host,
            port=s.port,
            smtp_ssl=s.security == "ssl",
            smtp_starttls={"context": tls} if s.security == "starttls" else False,
            smtp_skip_login=not s.user,
            soft_email_validation=False,
            timeout=s.timeout,
            **({"context": tls} if s.security == "ssl" else {}),
        )
        try:
            yag.login()
        except smtplib.SMTPAuthenticationError as exc:
            raise ChannelDown(f"the mail server refused the login of {s.user}: {_code(exc)[1]}") from None
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise ChannelDown(f"cannot reach the mail server at {s.shown()}: {exc}") from None
        sender = EmailSender(yag, s)
        try:
            yield sender
        finally:
            sender.close()
            yag.close()
