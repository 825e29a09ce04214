"""The email channel against a real SMTP server on loopback (aiosmtpd): what arrives is what a reader would see."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar
from pydantic import SecretStr

from mail_server import Mailbox, free_port
from message_samples import context
from notifications.calendar import deadline_file
from notifications.channels import Address, Attachment, ChannelDown, Failed, HeaderRefused, Outgoing, Retry, Sent
from notifications.email import EmailChannel, SmtpSettings
from notifications.render import render

AT = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
SENDER = Address("Secrétariat ASToN", "jalon@aston.example.org")
KEITA = Address("Fatoumata Keïta", "fatoumata.keita@bamako.example.org")


def settings(port: int, **changes: object) -> SmtpSettings:
    """Plain SMTP on loopback, no login: what `jalon mail-sink` offers."""
    base = SmtpSettings("127.0.0.1", port, "none", None, None, 5.0, SENDER)
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def refusals() -> dict[str, str]:
    """What this module's mail server refuses (the shared `mailbox` fixture reads it)."""
    return {"unknown@": "550 5.1.1 No such user", "busy@": "451 4.3.0 Try later"}


def outgoing(code: str, language: str, key: str = "k1", to: Address = KEITA, **event: object) -> Outgoing:
    values = context(code)
    values["event"] |= event
    return Outgoing(key, f"<{key}.jalon@aston.example.org>", to, render(code, language, values), AT)


def send(port: int, *messages: Outgoing) -> list[object]:
    with EmailChannel(settings(port)).connect() as sender:
        return [sender.send(m) for m in messages]


@pytest.mark.parametrize(
    ("language", "subject_has", "body_has"),
    [
        ("fr", "sélectionnée", "Félicitations : la ville de Bamako a été sélectionnée"),
        ("pt", "Matola", "Parabéns"),
    ],
)
def test_accents_arrive_intact_with_a_text_part_an_html_part_and_a_calendar(
    mailbox: Mailbox, language: str, subject_has: str, body_has: str
) -> None:
    """Subject and body keep é, ç, ã; the text part is text, the HTML part HTML; the .ics parses to the due date."""
    values = context("selection_notice")
    if language == "pt":
        values["city"] = {"code": "MTL", "name": "Matola", "country": "MZ"}
    rendered = render("selection_notice", language, values)
    ics = deadline_file("MTL-selected", "Matola : confirmation", date(2026, 2, 16), "Africa/Maputo", AT)
    message = Outgoing(
        "k1", "<k1.jalon@aston.example.org>", KEITA, rendered, AT, (Attachment("a.ics", "text/calendar", ics),)
    )
    assert isinstance(send(mailbox.port, message)[0], Sent)
    [got] = mailbox.messages()
    assert subject_has in got["Subject"] and got["Subject"] == rendered.subject
    text = got.get_body(("plain",))
    html = got.get_body(("html",))
    assert text is not None and html is not None
    assert body_has in text.get_content() and "<p>" not in text.get_content()
    assert "<p>" in html.get_content() and "Fatoumata Keïta" in html.get_content()
    assert got["Content-Language"] == language
    [calendar] = [p for p in got.iter_attachments() if p.get_content_type() == "text/calendar"]
    [event] = Calendar.from_ical(calendar.get_content()).walk("VEVENT")
    assert event.decoded("dtstart").date() == date(2026, 2, 16)
    assert str(event.decoded("dtstart").tzinfo) == "Africa/Maputo" and event.decoded("dtstart").hour == 9


def test_a_body_naming_a_server_file_attaches_nothing(mailbox: Mailbox) -> None:
    """yagmail attaches any content string that is an existing path; ours never reaches that code."""
    message = outgoing("declined", "en", reason="/etc/passwd")
    send(mailbox.port, message)
    [got] = mailbox.messages()
    assert [p.get_content_type() for p in got.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    assert list(got.iter_attachments()) == []
    assert "Their reason: /etc/passwd" in got.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "root:" not in got.as_string()


def test_every_message_has_its_own_message_id_even_with_the_same_subject_and_reader(mailbox: Mailbox) -> None:
    """yagmail's default Message-ID repeats for the same sender, recipient and subject; ours follows the outbox row."""
    first, second = outgoing("declined", "en", "row-1"), outgoing("declined", "en", "row-2")
    assert first.rendered.subject == second.rendered.subject
    send(mailbox.port, first, second, first)
    ids = [m["Message-ID"] for m in mailbox.messages()]
    assert ids == [
        "<row-1.jalon@aston.example.org>",
        "<row-2.jalon@aston.example.org>",
        "<row-1.jalon@aston.example.org>",
    ]


def test_display_names_reach_the_headers(mailbox: Mailbox) -> None:
    """yagmail drops the name in {"addr": "Name"}; the reader sees who writes and to whom, accents included."""
    send(mailbox.port, outgoing("declined", "fr"))
    [got] = mailbox.messages()
    assert got["To"].addresses[0].display_name == "Fatoumata Keïta"
    assert got["From"].addresses[0].display_name == "Secrétariat ASToN"
    assert got["From"].addresses[0].addr_spec == "jalon@aston.example.org"


def test_a_batch_goes_over_one_connection(mailbox: Mailbox) -> None:
    """yagmail's send() opens a new connection each time without closing the last; a batch here uses one."""
    results = send(mailbox.port, *(outgoing("declined", "en", f"row-{i}") for i in range(6)))
    assert all(isinstance(r, Sent) for r in results)
    assert len(mailbox.messages()) == 6
    assert len(mailbox.server.peers) == 1


def test_the_servers_answer_is_kept(mailbox: Mailbox) -> None:
    """The 250 line (here the sink's file name) is what the outbox records for a sent message."""
    [result] = send(mailbox.port, outgoing("declined", "en"))
    assert isinstance(result, Sent) and result.answer.startswith("250 Kept as 00001-")


def test_a_5xx_refusal_is_permanent_and_a_4xx_is_retried(mailbox: Mailbox) -> None:
    """An unknown mailbox will not appear by retrying; a busy one may."""
    results = send(
        mailbox.port,
        outgoing("declined", "en", "a", Address("X", "unknown@bamako.example.org")),
        outgoing("declined", "en", "b", Address("Y", "busy@bamako.example.org")),
        outgoing("declined", "en", "c"),
    )
    assert results[0] == Failed("550 5.1.1 No such user")
    assert results[1] == Retry("451 4.3.0 Try later")
    assert isinstance(results[2], Sent) and len(mailbox.messages()) == 1


def test_a_line_break_bound_for_a_header_is_refused(mailbox: Mailbox) -> None:
    """A name or subject with CR/LF could forge a Bcc: refused before anything is sent."""
    with pytest.raises(HeaderRefused):
        Address("Eve\r\nBcc: all@aston.example.org", "eve@example.org")
    with pytest.raises(HeaderRefused):
        Address("Eve", "eve@example.org\nBcc: all@aston.example.org")
    message = outgoing("declined", "en")
    forged = replace(message, rendered=replace(message.rendered, subject="Hi\r\nBcc: all@aston.example.org"))
    [result] = send(mailbox.port, forged)
    assert isinstance(result, Failed) and "line break" in result.reason
    assert mailbox.messages() == []


def test_a_server_that_does_not_answer_is_channel_down() -> None:
    """Nothing listens: the batch is not attempted, and the caller is told in a sentence."""
    port = free_port()
    down = f"cannot reach the mail server at smtp://127.0.0.1:{port}"
    with pytest.raises(ChannelDown, match=down), EmailChannel(settings(port)).connect():
        pass


def test_a_user_without_a_password_is_refused_before_yagmail_can_prompt() -> None:
    """yagmail would look for a keyring (NameError) or prompt on a terminal; we say what to set instead."""
    with pytest.raises(ValueError, match="JALON_SMTP_PASSWORD is not"):
        settings(25, user="jalon@aston.example.org")


def test_the_password_is_never_shown() -> None:
    """What Jalon prints about its mail server names the user, never the secret."""
    shown = settings(587, user="jalon", password=SecretStr("s3cret!"), security="starttls").shown()
    assert shown == "smtp://jalon@127.0.0.1:587 (starttls)" and "s3cret" not in shown


def test_a_login_without_tls_to_another_host_is_refused() -> None:
    """A password never crosses the network in clear: plain SMTP with a login is for loopback only."""
    with pytest.raises(ValueError, match="password in clear"):
        settings(25, host="smtp.example.org", user="jalon", password=SecretStr("pw"))
    assert settings(25, host="smtp.example.org", user="jalon", password=SecretStr("pw"), security="starttls")
