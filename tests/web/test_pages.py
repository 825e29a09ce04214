"""The web pages through HTTP (Starlette's test client), on a real database and a real SMTP server.

The same stories run in a real browser in test_browser.py; here every refusal is checked at the HTTP level.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from engine.access.tokens import APPROVE, Signer, approval_link
from engine.outgoing import deliver
from mail_server import Mailbox, smtp
from models.db import make_engine, make_sessions, upgrade
from support import COACH_BEN, COACH_BKO, LEAD_BKO, Network, load_examples
from web.app import create_app

SECRET = "a-long-secret-for-web-tests-0123456789"
SIGNER = Signer(SECRET)


@pytest.fixture
def network(tmp_path: Path) -> Network:
    """The sample programme on a database file, with BKO's plan waiting for its coach."""
    engine = make_engine(f"sqlite:///{tmp_path / 'jalon.db'}")
    upgrade(engine)
    network = load_examples(make_sessions(engine), datetime.now(UTC) - timedelta(days=60))
    network.walk("BKO", "send_to_committee")
    return network


def client(sessions: sessionmaker[Session]) -> TestClient:
    return TestClient(create_app(sessions, SIGNER, "http://testserver", lambda: None))


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(network: Network, mailbox: Mailbox, email: str) -> TestClient:
    """The whole passwordless path: ask, receive the mail, open the link, press the button."""
    browser = client(network.sessions)
    form = browser.get("/signin")
    sent = browser.post("/signin", data={"email": email, "csrf": csrf(form.text)})
    assert sent.status_code == 200 and "link is on its way" in sent.text
    deliver(network.sessions, datetime.now(UTC), smtp(mailbox.port))
    [mail] = [m for m in mailbox.messages() if m["To"].addresses[0].addr_spec == email and "Jalon" in m["Subject"]][-1:]
    link = re.search(r"http://testserver/signin/\S+", mail.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert link
    path = link.group(0).removeprefix("http://testserver")
    confirm = browser.get(path)
    assert confirm.status_code == 200 and email in confirm.text
    done = browser.post(path, data={"csrf": csrf(confirm.text)}, follow_redirects=False)
    assert done.status_code == 303 and "httponly" in done.headers["set-cookie"].lower()
    again = browser.post(path, data={"csrf": csrf(confirm.text)})
    assert again.status_code == 400 and "used already" in again.text
    return browser


def test_a_coach_signs_in_by_email_and_sends_the_plan_to_committee(network: Network, mailbox: Mailbox) -> None:
    """The board shows the city in its new stage after the coach's act, done through the page's form."""
    browser = sign_in(network, mailbox, COACH_BKO)
    board = browser.get("/")
    assert 'lang="fr"' in board.text, "Amadou reads French"
    assert "Bamako" in board.text and "Revue du plan" in board.text
    waiting = browser.get("/approvals")
    assert "Bamako" in waiting.text and "Mes validations" in waiting.text
    page = browser.get("/cities/BKO")
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version
    done = browser.post(
        "/cities/BKO/act",
        data={"csrf": csrf(page.text), "trigger": "send_to_committee", "version": version.group(1)},
        follow_redirects=True,
    )
    assert done.status_code == 200 and "Comité d&#39;investissement" in done.text
    filtered = browser.get("/?stage=investment_committee").text
    assert "Bamako" in filtered and "Bizerte" not in filtered


def test_a_coach_of_another_city_is_refused_in_plain_words(network: Network, mailbox: Mailbox) -> None:
    browser = sign_in(network, mailbox, COACH_BEN)
    page = browser.get("/cities/BKO")
    assert "another city" in page.text  # the reason, among what is not possible now
    refused = browser.post(
        "/cities/BKO/act",
        data={"csrf": csrf(page.text), "trigger": "send_to_committee", "version": str(city_version(network))},
    )
    assert refused.status_code == 409 and "another city" in refused.text


def test_a_post_without_a_csrf_token_is_refused(network: Network, mailbox: Mailbox) -> None:
    browser = sign_in(network, mailbox, COACH_BKO)
    refused = browser.post("/cities/BKO/act", data={"trigger": "send_to_committee"})
    assert refused.status_code == 403 and "security token" in refused.text
    forged = browser.post("/cities/BKO/act", data={"trigger": "send_to_committee", "csrf": "x.y"})
    assert forged.status_code == 403
    assert "Revue du plan" in browser.get("/").text, "nothing changed"


def test_pages_need_a_session(network: Network) -> None:
    anonymous = client(network.sessions)
    assert anonymous.get("/", follow_redirects=False).headers["location"] == "/signin"
    forged = client(network.sessions)
    forged.cookies.set("jalon_session", "abc.def")
    assert forged.get("/", follow_redirects=False).status_code == 303


def approval(network: Network, version: int, *, at: datetime | None = None, person: int = 0) -> str:
    with network.sessions() as s:
        from sqlalchemy import select

        from models import Person

        coach = person or s.scalar(select(Person.id).where(Person.email == COACH_BKO)) or 0
    link = approval_link(
        SIGNER, "http://testserver", coach, "BKO", "send_to_committee", version, at or datetime.now(UTC)
    )
    return link.removeprefix("http://testserver")


def city_version(network: Network) -> int:
    return network.results[-1].version


def test_an_approval_link_opens_a_confirmation_and_works_once(network: Network) -> None:
    """GET shows a button and changes nothing; POST acts; the same link again is refused."""
    browser = client(network.sessions)
    path = approval(network, city_version(network))
    page = browser.get(path)
    assert page.status_code == 200 and "Nothing changes until you press the button" in page.text
    assert "Plan review" in _stage(network)
    done = browser.post(path, data={"csrf": csrf(page.text)})
    assert done.status_code == 200 and "Investment committee" in _stage(network)
    again = browser.post(path, data={"csrf": csrf(page.text)})
    assert again.status_code in (400, 409) and "used already" in again.text


def test_stale_expired_and_forged_approval_links_are_refused(network: Network) -> None:
    browser = client(network.sessions)
    stale = approval(network, city_version(network) - 1)
    page = browser.get(stale)
    refused = browser.post(stale, data={"csrf": csrf(page.text)})
    assert refused.status_code == 409 and "changed while you were deciding" in refused.text
    expired = approval(network, city_version(network), at=datetime.now(UTC) - timedelta(days=15))
    assert browser.get(expired).status_code == 400 and "expired" in browser.get(expired).text
    forged = approval(network, city_version(network))[:-3] + "AAA"
    assert browser.get(forged).status_code == 400 and "forged" in browser.get(forged).text
    assert "Plan review" in _stage(network), "nothing changed"
    assert APPROVE == "approve"


def _stage(network: Network) -> str:
    from engine.views.queries import status

    [bko] = [r for r in status(network.sessions, datetime.now(UTC)) if r.city == "BKO"]
    return bko.label


def test_the_network_page_is_the_same_for_everyone_with_calendars_to_subscribe_to(
    network: Network, mailbox: Mailbox
) -> None:
    """Coming deadlines, the projects registry with named contacts, and iCalendar links that work without cookies."""
    from icalendar import Calendar

    browser = sign_in(network, mailbox, LEAD_BKO)
    page = browser.get("/network").text
    assert "Open data" in page and "amadou.traore@coach.example.org" in page and "claire.martin@aston" in page
    feeds = re.findall(r'href="http://testserver(/calendar/[^"]+\.ics)"', page)
    assert len(feeds) == 13, "the network's calendar and one per city"
    anonymous = client(network.sessions)  # a calendar app: no cookie, the link is the key
    answer = anonymous.get(feeds[0])
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/calendar")
    assert Calendar.from_ical(answer.content).walk("VEVENT")
    assert anonymous.get("/calendar/forged.token.ics").status_code == 404
