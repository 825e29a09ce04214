"""What the web tests share: the app over the sample programme, a signed-in browser, links as a mail holds them."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.access.tokens import Signer, approval_link
from engine.outgoing import deliver
from mail_server import Mailbox, smtp
from models import Person
from models.db import make_engine, make_sessions, upgrade
from support import COACH_BKO, Network, load_examples
from web.app import create_app
from web.auth import SESSION
from web.reply_words import REPLY
from web.words import UI

SECRET = "a-long-secret-for-web-tests-0123456789"
SIGNER = Signer(SECRET)


def planned_network(tmp_path: Path) -> Network:
    """The sample programme on a database file, with BKO's plan waiting for its coach."""
    engine = make_engine(f"sqlite:///{tmp_path / 'jalon.db'}")
    upgrade(engine)
    network = load_examples(make_sessions(engine), datetime.now(UTC) - timedelta(days=60))
    network.walk("BKO", "send_to_committee")
    return network


def client(sessions: sessionmaker[Session], language: str = "") -> TestClient:
    """A browser on the app; one that asks for a language when given one (Accept-Language)."""
    headers = {"accept-language": language} if language else {}
    return TestClient(create_app(sessions, SIGNER, "http://testserver", lambda: None), headers=headers)


def as_reader(network: Network, email: str) -> TestClient:
    """A browser with the session cookie the sign-in link would have set (the sign-in path is tested apart)."""
    with network.sessions() as s:
        person = s.scalars(select(Person).where(Person.email == email)).one()
        claims = {"person": person.id, "k": person.access_key}
    browser = client(network.sessions)
    browser.cookies.set(SESSION, SIGNER.sign("session", claims, at=datetime.now(UTC), lasts=timedelta(hours=1)))
    return browser


def said(page: str, key: str) -> bool:
    """Does the page say this sentence of the pages' words (or of the links' refusals), in any of their languages?"""
    text = html.unescape(page)
    return any(key in words and words[key] in text for table in (UI, REPLY) for words in table.values())


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(network: Network, mailbox: Mailbox, email: str) -> TestClient:
    """The whole passwordless path: ask, receive the mail, open the link, press the button."""
    return signed_in(network, mailbox, email)[0]


def signed_in(network: Network, mailbox: Mailbox, email: str) -> tuple[TestClient, str]:
    """The same path, and where the person lands once signed in."""
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
    stale = browser.post(path, data={"csrf": csrf(confirm.text)})  # a form made before signing in
    assert stale.status_code == 403 and said(stale.text, "csrf_session"), "a form made before signing in"
    again = browser.post(path, data={"csrf": csrf(browser.get(path).text)})
    assert again.status_code == 400 and said(again.text, "used"), "a sign-in link serves once"
    return browser, done.headers["location"]


def approval(
    network: Network,
    version: int,
    *,
    at: datetime | None = None,
    person: int = 0,
    city: str = "BKO",
    trigger: str = "send_to_committee",
    coach: str = COACH_BKO,
) -> str:
    """The path of the approval link a coach's mail carries."""
    with network.sessions() as s:
        whom = person or s.scalar(select(Person.id).where(Person.email == coach)) or 0
    link = approval_link(SIGNER, "http://testserver", whom, 0, city, trigger, version, at or datetime.now(UTC))
    return link.removeprefix("http://testserver")


def stage_of(network: Network) -> str:
    from engine.views.queries import status

    [bko] = [r for r in status(network.sessions, datetime.now(UTC)) if r.city == "BKO"]
    return bko.label
