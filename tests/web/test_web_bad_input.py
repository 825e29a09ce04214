"""Bad input through the web pages: each a page with one sentence in the reader's language, a 4xx, nothing written.

Issue 11, items 12-16: a version that is not a number, amounts and budgets too large for the database, hidden
characters in titles, a file sent in place of a text field, a full disk, unknown pages; and the headers every page
carries (nosniff, a referrer policy, HSTS behind TLS).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.access.tokens import Signer
from engine.outgoing import deliver
from mail_server import Mailbox, smtp
from models.db import make_engine, make_sessions, upgrade
from models.journal import AuditEvent, OutboxMessage
from models.records import Plan
from support import LEAD_BKO, PLAN, load_examples
from web.app import create_app

SIGNER = Signer("a-long-secret-for-bad-input-tests-0123456789")
FRENCH = "Rien n&#39;a été modifié"  # as HTML escapes it


class World:
    """The sample programme with Bamako's plan to write, and Fatoumata (who reads French) signed in."""

    def __init__(self, engine: Engine, sessions: sessionmaker[Session], browser: TestClient) -> None:
        self.engine, self.sessions, self.browser = engine, sessions, browser

    def written(self) -> tuple[int, int, int]:
        """What an act would add: audit events, outbox messages, plans."""
        with self.sessions() as s:
            return tuple(s.scalar(select(func.count()).select_from(t)) or 0 for t in (AuditEvent, OutboxMessage, Plan))  # type: ignore[return-value]

    def form(self) -> dict[str, str]:
        page = self.browser.get("/cities/BKO")
        assert page.status_code == 200
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        version = re.search(r'name="version" value="(\d+)"', page.text)
        assert csrf and version
        return {"csrf": csrf.group(1), "version": version.group(1), "trigger": "submit_plan"}


def csrf_of(text: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', text)
    assert found
    return found.group(1)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("bad-web")
    engine = make_engine(f"sqlite:///{folder / 'jalon.db'}")
    upgrade(engine)
    network = load_examples(make_sessions(engine), datetime.now(UTC) - timedelta(days=60))
    network.walk("BKO", "submit_plan")
    box = Mailbox(folder / "mail")
    browser = TestClient(
        create_app(network.sessions, SIGNER, "http://testserver", lambda: None), raise_server_exceptions=False
    )
    sent = browser.post("/signin", data={"email": LEAD_BKO, "csrf": csrf_of(browser.get("/signin").text)})
    assert sent.status_code == 200
    deliver(network.sessions, datetime.now(UTC), smtp(box.port))
    mails = [m for m in box.messages() if m["To"].addresses[0].addr_spec == LEAD_BKO and "Jalon" in m["Subject"]]
    link = re.search(r"http://testserver(/signin/\S+)", mails[-1].get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert link
    confirm = browser.get(link.group(1))
    assert browser.post(link.group(1), data={"csrf": csrf_of(confirm.text)}, follow_redirects=False).status_code == 303
    yield World(engine, network.sessions, browser)
    box.stop()


def refused(world: World, response: Any, status: int, *sentences: str) -> None:
    """A page (not JSON, not a traceback) with the status, in French, saying each sentence."""
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert 'lang="fr"' in response.text
    for sentence in sentences:
        assert sentence in response.text
    assert "Traceback" not in response.text and "<class" not in response.text


BAD_VERSIONS = ["abc", "9" * 5000, "-1", "1e3", "١٢"]


@pytest.mark.parametrize("version", BAD_VERSIONS, ids=["letters", "5000-digits", "negative", "exponent", "arabic"])
def test_a_version_that_is_not_a_number_is_a_400_page(world: World, version: str) -> None:
    before = world.written()
    form = {**world.form(), **{f"f_{k}": v for k, v in PLAN.items()}, "version": version}
    refused(world, world.browser.post("/cities/BKO/act", data=form), 400, "quelle version de la ville", FRENCH)
    assert world.written() == before


BAD_FIELDS = {
    "amount-1e29": ({"budget": "1" + "0" * 29}, ""),
    "budget-1e17": ({"budget": "100000000000000000"}, ""),
    "budget-5000-digits": ({"budget": "9" * 5000}, "trop long pour un montant"),
    "title-bidi-override": ({"title": "Open \u202edata"}, "U+202E"),
    "title-isolate": ({"title": "Open \u2067data"}, "U+2067"),
    "title-c1-control": ({"title": "Open \x9bdata"}, "U+009B"),
    "hypothesis-escape": ({"hypothesis": "Residents \x1b[2J use it"}, "U+001B"),
}


@pytest.mark.parametrize("change", BAD_FIELDS.values(), ids=BAD_FIELDS.keys())
def test_a_field_too_large_or_with_hidden_characters_comes_back_with_the_reason_beside_it(
    world: World, change: tuple[dict[str, str], str]
) -> None:
    """The city page again, its plan form filled with what was typed, the reason in French beside the field."""
    values, detail = change
    before = world.written()
    form = {**world.form(), **{f"f_{k}": v for k, v in {**PLAN, **values}.items()}}
    page = world.browser.post("/cities/BKO/act", data=form)
    refused(world, page, 400, detail)
    [(name, typed)] = values.items()
    beside = re.search(
        rf'id="submit_plan-{name}"[^>]*>(.*?)</(?:textarea|p)>\s*<p class="fault" role="alert">([^<]+)', page.text, re.S
    )
    if name != "hypothesis":  # one-line fields are inputs, their value an attribute
        beside = re.search(
            rf'id="submit_plan-{name}"[^>]*value="([^"]*)"[^>]*>\s*<p class="fault" role="alert">([^<]+)', page.text
        )
    assert beside, "the reason is beside the field at fault"
    assert html.unescape(beside.group(1)).startswith(typed[:100]), "the field holds what was typed"
    assert "Open data" in page.text or name == "title", "the other fields are filled too"
    assert world.written() == before


def test_an_arabic_title_is_plain_text_and_accepted(world: World) -> None:
    """Right-to-left letters are not hidden characters: only the override and isolate controls are refused."""
    from engine.journey.fields import parse_data
    from states import CITY_JOURNEY

    title = "خطة محمد ولد أحمد"
    assert parse_data(CITY_JOURNEY.transition("submit_plan"), {**PLAN, "title": title})["title"] == title


@pytest.mark.parametrize("field", ["f_title", "f_budget", "trigger", "version"])
def test_a_file_in_place_of_a_text_field_is_a_400_page(world: World, field: str) -> None:
    before = world.written()
    form = {**world.form(), **{f"f_{k}": v for k, v in PLAN.items()}}
    form.pop(field, None)
    page = world.browser.post("/cities/BKO/act", data=form, files={field: ("plan.txt", b"Open data", "text/plain")})
    refused(world, page, 400, "un champ contient un fichier", FRENCH)
    assert world.written() == before
    with world.sessions() as s:
        assert not s.scalar(select(Plan).where(Plan.title.like("%UploadFile%")))


def test_a_file_in_place_of_the_sign_in_address_is_a_400_page_in_the_browser_language(world: World) -> None:
    anonymous = TestClient(world.browser.app, raise_server_exceptions=False)
    form = anonymous.get("/signin", headers={"accept-language": "pt-PT,pt;q=0.9"})
    page = anonymous.post(
        "/signin",
        data={"csrf": csrf_of(form.text)},
        files={"email": ("me.txt", b"x@example.org", "text/plain")},
        headers={"accept-language": "pt-PT,pt;q=0.9"},
    )
    assert page.status_code == 400 and 'lang="pt"' in page.text
    assert "um campo contém um ficheiro" in page.text


@pytest.mark.parametrize("lang,sentence", [("en", "There is no such page"), ("pt", "Esta página não existe")])
def test_an_unknown_page_is_a_404_page_not_json(world: World, lang: str, sentence: str) -> None:
    page = TestClient(world.browser.app).get("/nowhere", headers={"accept-language": lang})
    assert page.status_code == 404 and sentence in page.text and f'lang="{lang}"' in page.text


def test_a_full_disk_is_a_page_in_the_readers_language_not_a_500(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    def full(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            import sqlite3

            raise sqlite3.OperationalError("database or disk is full")

    before = world.written()
    form = {**world.form(), **{f"f_{k}": v for k, v in PLAN.items()}}
    event.listen(world.engine, "before_cursor_execute", full)
    try:
        with caplog.at_level(logging.ERROR, logger="jalon.web"):
            page = world.browser.post("/cities/BKO/act", data=form)
    finally:
        event.remove(world.engine, "before_cursor_execute", full)
    refused(world, page, 503, "Le disque du serveur est plein", "rien n&#39;a été modifié")
    assert world.written() == before
    assert "disk is full" in caplog.text and "Traceback" not in caplog.text


def test_every_page_says_nosniff_and_a_referrer_policy_and_hsts_behind_tls(world: World) -> None:
    for response in (world.browser.get("/"), world.browser.get("/nowhere"), world.browser.get("/signin")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in response.headers
    behind_tls = world.browser.get("/signin", headers={"x-forwarded-proto": "https"})
    assert behind_tls.headers["strict-transport-security"].startswith("max-age=31536000")
    over_tls = TestClient(world.browser.app, base_url="https://testserver").get("/signin")
    assert "max-age" in over_tls.headers["strict-transport-security"]


def test_after_the_corpus_the_plan_goes_in_when_typed_right(world: World, tmp_path: Path) -> None:
    """The refusals left nothing behind that stops the right form."""
    form = {**world.form(), **{f"f_{k}": v for k, v in PLAN.items()}}
    done = world.browser.post("/cities/BKO/act", data=form, follow_redirects=False)
    assert done.status_code == 303
