"""The web pages through HTTP (Starlette's test client), on a real database and a real SMTP server.

The same stories run in a real browser in test_browser.py; here every refusal is checked at the HTTP level.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.access.tokens import APPROVE
from engine.views.queries import status
from mail_server import Mailbox
from support import COACH_BEN, COACH_BKO, LEAD_BKO, Network
from web.formats import day
from web.words import UI
from web_support import approval, as_reader, client, csrf, planned_network, said, sign_in, stage_of


@pytest.fixture
def network(tmp_path: Path) -> Network:
    """The sample programme on a database file, with BKO's plan waiting for its coach."""
    return planned_network(tmp_path)


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
    assert said(page.text, "nothing_waits") and not said(page.text, "not_now"), "no list of acts it may not do here"
    refused = browser.post(
        "/cities/BKO/act",
        data={"csrf": csrf(page.text), "trigger": "send_to_committee", "version": str(city_version(network))},
    )
    assert refused.status_code == 409
    assert re.search(r'<p class="refusal" role="alert">[^<]*pour une autre ville', refused.text), "said at the top"


def test_a_post_without_a_csrf_token_is_refused(network: Network, mailbox: Mailbox) -> None:
    browser = sign_in(network, mailbox, COACH_BKO)
    refused = browser.post("/cities/BKO/act", data={"trigger": "send_to_committee"})
    assert refused.status_code == 403 and said(refused.text, "csrf_missing")
    forged = browser.post("/cities/BKO/act", data={"trigger": "send_to_committee", "csrf": "x.y"})
    assert forged.status_code == 403
    assert "Revue du plan" in browser.get("/").text, "nothing changed"


def test_pages_need_a_session(network: Network) -> None:
    anonymous = client(network.sessions)
    assert anonymous.get("/", follow_redirects=False).headers["location"] == "/signin"
    forged = client(network.sessions)
    forged.cookies.set("jalon_session", "abc.def")
    assert forged.get("/", follow_redirects=False).status_code == 303


def city_version(network: Network) -> int:
    return network.results[-1].version


def test_an_approval_link_opens_a_confirmation_and_works_once(network: Network) -> None:
    """GET shows a button and changes nothing; POST acts; the same link again is refused."""
    browser = client(network.sessions)
    path = approval(network, city_version(network))
    page = browser.get(path)
    assert page.status_code == 200 and "Rien ne change tant que vous" in page.text, "in the coach's own language"
    assert "Plan review" in stage_of(network)
    done = browser.post(path, data={"csrf": csrf(page.text)})
    assert done.status_code == 200 and "Investment committee" in stage_of(network)
    again = browser.post(path, data={"csrf": csrf(page.text)})
    assert again.status_code in (400, 409) and said(again.text, "used")


def test_stale_expired_and_forged_approval_links_are_refused(network: Network) -> None:
    browser = client(network.sessions)
    stale = approval(network, city_version(network) - 1)
    page = browser.get(stale)
    refused = browser.post(stale, data={"csrf": csrf(page.text)})
    assert refused.status_code == 409 and "a changé pendant que vous décidiez" in refused.text
    expired = approval(network, city_version(network), at=datetime.now(UTC) - timedelta(days=15))
    assert browser.get(expired).status_code == 400 and said(browser.get(expired).text, "expired")
    forged = approval(network, city_version(network))[:-3] + "AAA"
    assert browser.get(forged).status_code == 400 and said(browser.get(forged).text, "forged")
    assert "Plan review" in stage_of(network), "nothing changed"
    assert APPROVE == "approve"


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


def test_my_approvals_say_the_deadline_and_how_late(network: Network) -> None:
    """A review many working days late says so, as the board does, not only since when it waits."""
    [row] = [r for r in status(network.sessions, datetime.now(UTC)) if r.city == "BKO"]
    assert row.deadline and row.late_by, "the sample plan review is late"
    page = html.unescape(as_reader(network, COACH_BKO).get("/approvals").text)
    assert UI["fr"]["days_late"].format(n=row.late_by) in page
    assert UI["fr"]["label_value"].format(label=UI["fr"]["deadline"], value=day(row.deadline, "fr")) in page
