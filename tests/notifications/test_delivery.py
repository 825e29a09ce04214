"""Delivery from the outbox to a real SMTP server: everything once, failures kept, nothing lost while mail is down."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import func, select, update

from engine.deadlines.sweep import sweep
from engine.outgoing import deliver
from engine.views.digest import weekly_digest
from mail_server import Flaky, Mailbox, free_port, smtp
from models import OutboxMessage, Person
from notifications.channels import Outcome, Outgoing, Retry
from notifications.claims import MAX_ATTEMPTS
from support import LEAD_BKO, MAYOR_BKO, SECRETARIAT, Network


@pytest.fixture
def refusals() -> dict[str, str]:
    """What this module's mail server refuses (the shared `mailbox` fixture reads it)."""
    return {"maire@bamako": "550 5.1.1 No such mailbox", "busy@": "451 Try later"}


def states(network: Network) -> dict[str, int]:
    with network.sessions() as s:
        rows = s.execute(
            select(OutboxMessage.state, func.count())
            .where(OutboxMessage.channel == "email")
            .group_by(OutboxMessage.state)
        )
        return {state: count for state, count in rows}


def test_every_pending_message_goes_once_with_its_answer_and_id(network: Network, mailbox: Mailbox) -> None:
    """The selection notices of the sample programme arrive, one per reader; running again sends nothing."""
    pending = states(network)["pending"]
    report = deliver(network.sessions, network.tick(), smtp(mailbox.port))
    assert report.count("sent") == pending == len(mailbox.messages())
    assert deliver(network.sessions, network.tick(), smtp(mailbox.port)).messages == []
    with network.sessions() as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")).first()
        assert row is not None and row.state == "sent" and row.answer and row.answer.startswith("250 Kept as ")
    ids = {m["Message-ID"] for m in mailbox.messages()}
    assert len(ids) == pending and row.message_id in ids


def test_each_reader_gets_the_journey_in_their_own_language(network: Network, mailbox: Mailbox) -> None:
    """Bamako's lead reads French, Kampala's English, Matola's Portuguese: every kind the journey writes renders."""
    network.walk("BKO", "<end>")
    report = deliver(network.sessions, network.tick(), smtp(mailbox.port))
    assert report.count("failed") == 1, "only the mayor's mailbox refuses (550), as set up"
    languages = {(m["To"].addresses[0].addr_spec, m["Content-Language"]) for m in mailbox.messages()}
    assert (LEAD_BKO, "fr") in languages and ("david.okello@kampala.example.org", "en") in languages
    assert ("helio.mondlane@matola.example.org", "pt") in languages
    subjects = {m["Subject"] for m in mailbox.messages() if m["To"].addresses[0].addr_spec == LEAD_BKO}
    assert any("Comité d'investissement" in s or "comité" in s.lower() for s in subjects)


def test_mail_down_then_up_loses_nothing_and_never_blocks_an_act(network: Network, tmp_path: Path) -> None:
    """No server: delivery says so and puts everything back; acts go on; when it is back everything goes once."""
    port = free_port()
    at = network.tick()
    down = deliver(network.sessions, at, smtp(port))
    assert down.down and "cannot reach the mail server" in down.down and down.messages == []
    waiting = states(network)["pending"]
    assert down.waiting == waiting
    with network.sessions() as s:  # a server out of reach costs the messages no attempt
        assert set(s.scalars(select(OutboxMessage.attempts).where(OutboxMessage.channel == "email"))) == {0}
    network.act("BKO", "confirm", LEAD_BKO)  # an act while mail is down: it commits, its messages wait
    again = deliver(network.sessions, at + timedelta(seconds=30), smtp(port))
    assert again.messages == [] and again.down is None, "nothing is due before its backoff"
    box = Mailbox(tmp_path / "later", port=port)
    try:
        up = deliver(network.sessions, network.clock + timedelta(minutes=2), smtp(port))
        assert up.count("sent") == states(network)["sent"] == len(box.messages())
        assert states(network).get("pending", 0) == 0
        ids = [m["Message-ID"] for m in box.messages()]
        assert len(ids) == len(set(ids))
    finally:
        box.stop()


def test_a_refused_address_fails_for_good_and_the_digest_says_so(network: Network, mailbox: Mailbox) -> None:
    """550 is permanent: no retry; the secretariat's weekly digest lists the address and the server's words."""
    network.walk("BKO", "<end>")
    at = network.tick()
    deliver(network.sessions, at, smtp(mailbox.port))
    with network.sessions() as s:
        failed = s.execute(
            select(OutboxMessage.state, OutboxMessage.last_error)
            .join(Person, Person.id == OutboxMessage.recipient_id)
            .where(Person.email == MAYOR_BKO)
        ).one()
    assert failed == ("failed", "550 5.1.1 No such mailbox")
    weekly_digest(network.sessions, at)
    deliver(network.sessions, at, smtp(mailbox.port))
    texts = [
        m.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        for m in mailbox.messages()
        if m["To"].addresses[0].addr_spec == SECRETARIAT
    ]
    [digest] = [t for t in texts if "550 5.1.1 No such mailbox" in t]
    assert MAYOR_BKO in digest


def test_a_busy_server_is_retried_with_backoff_then_given_up(network: Network, mailbox: Mailbox) -> None:
    """451 each time: tried again after 1, 5, 15 minutes... and marked failed after the last attempt."""
    with network.sessions.begin() as s:
        s.execute(update(Person).where(Person.email == LEAD_BKO).values(email="busy@bamako.example.org"))
    at = network.tick()
    attempts = 0
    while True:
        report = deliver(network.sessions, at, smtp(mailbox.port))
        mine = [m for m in report.messages if m.to == "busy@bamako.example.org"]
        if not mine:
            break
        attempts += 1
        if mine[0].outcome == "failed":
            assert "gave up after" in mine[0].answer
            break
        assert mine[0].outcome == "retry"
        with network.sessions() as s:
            nxt = s.scalar(select(OutboxMessage.next_attempt_at).where(OutboxMessage.key == mine[0].key))
        assert nxt is not None and nxt > at
        at = nxt
    assert attempts == MAX_ATTEMPTS


def test_a_name_with_a_line_break_is_refused_and_the_rest_goes(network: Network, mailbox: Mailbox) -> None:
    """A header must never carry CR/LF: that one message fails with the reason; the others are sent."""
    with network.sessions.begin() as s:
        s.execute(update(Person).where(Person.email == LEAD_BKO).values(name="Eve\r\nBcc: everyone@example.org"))
    report = deliver(network.sessions, network.tick(), smtp(mailbox.port))
    [refused] = [m for m in report.messages if m.outcome == "failed"]
    assert "line break" in refused.answer
    assert report.count("sent") == len(mailbox.messages()) > 0
    assert all(m["Bcc"] is None for m in mailbox.messages())
    assert not any("everyone@example.org" in str(m["To"]) for m in mailbox.messages())


def test_a_reminder_carries_its_deadline_as_a_calendar_file_in_the_citys_zone(
    network: Network, mailbox: Mailbox
) -> None:
    """Matola's team, reminded of its confirmation deadline, can add it to a calendar: 09:00 in Maputo."""
    at = network.clock
    for _ in range(25):  # the daily sweeps of the first weeks: the rung 5 business days before the date, then on it
        at += timedelta(days=1)
        sweep(network.sessions, at)
    deliver(network.sessions, at, smtp(mailbox.port))
    reminders = [
        m
        for m in mailbox.messages()
        if m["To"].addresses[0].addr_spec == "helio.mondlane@matola.example.org" and "prazo" in m["Subject"]
    ]
    assert reminders, "Matola's lead was reminded, in Portuguese"
    [ics] = [p for p in reminders[0].iter_attachments() if p.get_content_type() == "text/calendar"]
    [event] = Calendar.from_ical(ics.get_content()).walk("VEVENT")
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == "Africa/Maputo" and start.hour == 9
    assert "Matola" in str(event.get("summary"))


def test_one_message_that_breaks_the_sender_is_retried_and_the_batch_goes_on(
    network: Network, mailbox: Mailbox
) -> None:
    """An unexpected error on one message (a bug, a codec) is that message's retry, not a stuck batch."""
    first: list[str] = []

    def explode(message: Outgoing) -> Outcome | None:
        if not first:
            first.append(message.key)
            raise RuntimeError("boom")
        return None

    report = deliver(network.sessions, network.tick(), Flaky(smtp(mailbox.port), explode))
    [retry] = [m for m in report.messages if m.outcome == "retry"]
    assert retry.key == first[0] and "RuntimeError: boom" in retry.answer
    assert report.count("sent") == len(mailbox.messages()) == states(network)["sent"]
    assert states(network)["pending"] == 1


def test_a_run_whose_lease_ran_out_cannot_undo_the_run_that_took_over(network: Network, mailbox: Mailbox) -> None:
    """A sender stalled past its lease: another run takes its rows and sends them; the stalled run's late
    answer changes nothing, and every message went once."""
    at = network.tick()
    rival: list[object] = []

    def stall(message: Outgoing) -> Outcome | None:
        if not rival:  # while we hang on the first message, the lease runs out and another run takes over
            rival.append(deliver(network.sessions, at, smtp(mailbox.port)))
            return Retry("451 the stalled run's late answer")
        return None

    # a lease of nothing: on the wall clock, the lease is over before the first message goes
    stalled = deliver(network.sessions, at, Flaky(smtp(mailbox.port), stall), lease=timedelta(0))
    assert stalled.messages[0].outcome == "taken over"
    assert all(m.outcome == "taken over" for m in stalled.messages), "the rival owns every row of the batch now"
    assert states(network) == {"sent": len(mailbox.messages())}
    ids = [m["Message-ID"] for m in mailbox.messages()]
    assert len(ids) == len(set(ids))
