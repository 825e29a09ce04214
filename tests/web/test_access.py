"""Access that can be taken away, over HTTP: sign-out, newer links, floods, forwarded links, removed people."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from engine import Refused
from engine.access.grants import remove, take_role, verify_trail
from engine.outgoing import deliver
from mail_server import Mailbox, smtp
from models import AccessEvent, OutboxMessage, Person
from support import COACH_BKO, LEAD_BKO, SECRETARIAT, Network
from web_support import approval, client, csrf, planned_network, sign_in, stage_of
from web_support import said as web_said


@pytest.fixture
def network(tmp_path: Path) -> Network:
    """The sample programme on a database file, with BKO's plan (submitted by its lead) waiting for its coach."""
    return planned_network(tmp_path)


def ask(browser: TestClient, email: str) -> int:
    """Ask for a sign-in link from the page, as a person does; the answer's status."""
    form = browser.get("/signin")
    return int(browser.post("/signin", data={"email": email, "csrf": csrf(form.text)}).status_code)


def links_for(network: Network, mailbox: Mailbox, email: str) -> list[str]:
    """Every sign-in link this person received so far, oldest first."""
    deliver(network.sessions, datetime.now(UTC), smtp(mailbox.port))
    found = []
    for m in mailbox.messages():
        body = m.get_body(("plain",))
        link = re.search(r"http://testserver(/signin/\S+)", body.get_content()) if body else None
        if link and m["To"].addresses[0].addr_spec == email:
            found.append(link.group(1))
    return found


def use(browser: TestClient, path: str) -> int:
    """Open a sign-in link and press its button; the answer's status."""
    page = browser.get(path)
    return int(browser.post(path, data={"csrf": csrf(page.text)}, follow_redirects=False).status_code)


def test_signing_out_ends_the_session_even_for_a_kept_cookie(network: Network, mailbox: Mailbox) -> None:
    browser = sign_in(network, mailbox, COACH_BKO)
    kept = browser.cookies.get("jalon_session")
    assert kept and browser.get("/").status_code == 200
    board = browser.get("/")
    browser.post("/signout", data={"csrf": csrf(board.text)}, follow_redirects=False)
    thief = client(network.sessions)
    thief.cookies.set("jalon_session", kept)
    assert thief.get("/", follow_redirects=False).headers["location"] == "/signin"


def test_signing_out_everywhere_ends_every_session(network: Network, mailbox: Mailbox) -> None:
    laptop = sign_in(network, mailbox, COACH_BKO)
    phone = sign_in(network, mailbox, COACH_BKO)
    board = laptop.get("/")
    assert "Se déconnecter sur tous les appareils" in board.text
    laptop.post("/signout", data={"csrf": csrf(board.text), "everywhere": "1"}, follow_redirects=False)
    assert phone.get("/", follow_redirects=False).status_code == 303


def test_a_second_sign_in_link_voids_the_first(network: Network, mailbox: Mailbox) -> None:
    browser = client(network.sessions)
    assert ask(browser, LEAD_BKO) == 200
    assert ask(browser, LEAD_BKO) == 200
    first, second = links_for(network, mailbox, LEAD_BKO)
    page = browser.get(first)
    refused = browser.post(first, data={"csrf": csrf(page.text)})
    assert refused.status_code == 400 and web_said(refused.text, "newer"), "in the person's own French"
    assert use(browser, second) == 303


def test_fifty_requests_for_one_address_send_a_handful(network: Network, mailbox: Mailbox) -> None:
    attacker = client(network.sessions)
    answers = [ask(attacker, COACH_BKO) for _ in range(50)]
    assert answers.count(200) == 3 and answers.count(429) == 47
    wait = attacker.post("/signin", data={"email": "nobody@example.org", "csrf": csrf(attacker.get("/signin").text)})
    assert wait.status_code == 429, "a stranger's address gets the same wait: no hint of who is known"
    assert "Wait a quarter of an hour" in wait.text or "Attendez" in wait.text or "Aguarde" in wait.text
    assert len(links_for(network, mailbox, COACH_BKO)) == 3


def test_a_forwarded_approval_link_is_refused_in_the_submitters_session(network: Network, mailbox: Mailbox) -> None:
    lead = sign_in(network, mailbox, LEAD_BKO)  # the lead submitted the plan
    path = approval(network, network.results[-1].version)  # the coach's link, forwarded to the lead
    page = lead.get(path)
    assert page.status_code == 400 and "une autre personne est connectée dans ce navigateur" in page.text
    assert "Plan review" in stage_of(network), "nothing changed"


def test_a_removed_person_loses_sessions_and_every_link_at_once(network: Network, mailbox: Mailbox) -> None:
    coach = sign_in(network, mailbox, COACH_BKO)
    feeds = re.findall(r'href="http://testserver(/calendar/[^"]+\.ics)"', coach.get("/network").text)
    assert feeds and coach.get("/network").text.count(feeds[0]) == 1, "the same link on every visit"
    assert client(network.sessions).get(feeds[0]).status_code == 200
    ask(client(network.sessions), COACH_BKO)
    [*_, unused] = links_for(network, mailbox, COACH_BKO)
    network.act("BKO", "extend_deadline", SECRETARIAT, days="5", reason="Council")  # the coach is told: it waits
    link = approval(network, network.results[-1].version)

    said = remove(network.sessions, COACH_BKO, by=SECRETARIAT, reason="Left the programme", at=datetime.now(UTC))
    assert "coach@BKO" in said and "withdrawn" in said

    assert coach.get("/", follow_redirects=False).status_code == 303, "the open session"
    assert client(network.sessions).get(feeds[0]).status_code == 404, "the calendar subscription"
    refused = client(network.sessions)
    page = refused.get(unused)
    answer = refused.post(unused, data={"csrf": csrf(page.text)})
    assert answer.status_code == 400 and web_said(answer.text, "withdrawn"), "the sign-in link, in their French"
    assert web_said(client(network.sessions).get(link).text, "withdrawn"), "the approval link"
    with pytest.raises(Refused, match="removed from the network"):
        network.act("BKO", "send_to_committee", COACH_BKO)
    with network.sessions() as s:
        assert s.scalar(select(func.count(AccessEvent.id))) == 1
        assert verify_trail(s) == []
        before = s.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient_id.is_not(None)))
    assert ask(client(network.sessions), COACH_BKO) == 200  # the same answer as for anyone
    with network.sessions() as s:
        after = s.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient_id.is_not(None)))
    assert after == before, "no link is sent to a removed person"
    with network.sessions() as s:
        waiting = set(
            s.scalars(
                select(OutboxMessage.state)
                .join(Person, Person.id == OutboxMessage.recipient_id)
                .where(Person.email == COACH_BKO)
            )
        )
        assert "pending" not in waiting and "expired" in waiting, "what waited for them is set aside"


def test_taking_one_role_withdraws_the_links_and_is_audited(network: Network, mailbox: Mailbox) -> None:
    coach = sign_in(network, mailbox, COACH_BKO)
    said = take_role(network.sessions, COACH_BKO, "coach@BKO", by=SECRETARIAT, reason="New coach", at=datetime.now(UTC))
    assert said.startswith(f"{COACH_BKO} no longer holds coach@BKO")
    assert coach.get("/", follow_redirects=False).status_code == 303
    again = sign_in(network, mailbox, COACH_BKO)  # still coach of NIM and NKC: may sign in again
    assert "Bamako" not in again.get("/approvals").text
    with pytest.raises(Exception, match="Only the secretariat"):
        take_role(network.sessions, LEAD_BKO, "city_lead@BKO", by=COACH_BKO, reason="x", at=datetime.now(UTC))
