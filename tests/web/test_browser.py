"""The web in a real browser (Debian's Chromium driven by Playwright): a coach signs in from the link in their mail,
approves a plan, and the board shows it; refusals show as pages a person can read; another coach reads a plan from
the link in the mail and asks for changes. Screenshots go to var/screenshots/ at desktop and phone widths."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.access.tokens import Signer, approval_link
from engine.outgoing import deliver
from engine.views.queries import status
from mail_server import Mailbox, free_port, smtp
from models import Person
from models.db import make_engine, make_sessions, upgrade
from support import COACH_BEN, COACH_BKO, SECRETARIAT, Network, load_examples
from web.app import create_app
from web.words import UI

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARGS += ["--disable-sync"]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
SIGNER = Signer("a-long-secret-for-browser-tests-0123456789")
PATIENCE = 60.0
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
LEAD_NIM = "aissa.moussa@niamey.example.org"
LEAD_SMP = "koffi.agbo@semepodji.example.org"
LEAD_NKC = "mariem.ahmed@nouakchott.example.org"
HYPOTHESIS = "Objectifs :\n– réduire l'attente à l'état civil\n– former 12 agents"
SECRETARY_EN = "tom.baker@aston.example.org"  # sign-in links are rationed (3 an address, 10 a client): more people
PLAN_NIM = {
    "title": "Éclairage public à Niamey",
    "hypothesis": "Objectif : réduire les pannes de moitié.\nHypothèse : les habitants signalent plus tôt.",
    "budget": "40000",
    "currency": "EUR",
    "duration_months": "9",
    "procurement": "Achat de capteurs\nAutorisation de la mairie",
}
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 860}}

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not IN_CI, reason="Debian's chromium is not installed (apt install chromium)"
)


class Server:
    """The app under uvicorn on a free loopback port, in a thread: real HTTP, real cookies."""

    def __init__(self, sessions: sessionmaker[Session], port: int, mail_port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        app = create_app(sessions, SIGNER, self.url, lambda: deliver(sessions, datetime.now(UTC), smtp(mail_port)))
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        give_up = time.monotonic() + PATIENCE
        while not self.server.started:
            assert time.monotonic() < give_up, "the web server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=PATIENCE)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A database with BKO's plan waiting for its coach, a mail server, the web server, and a browser."""
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("web")
    engine = make_engine(f"sqlite:///{folder / 'jalon.db'}")
    upgrade(engine)
    network = load_examples(make_sessions(engine), datetime.now(UTC) - timedelta(days=60))
    network.walk("SMP", "submit_plan", lead=LEAD_SMP, coach=COACH_BEN)  # the plan typed on a phone, below
    network.walk("NKC", "tick_objective", lead=LEAD_NKC)  # the objectives ticked on a phone, below
    network.walk("NIM", "submit_plan", lead=LEAD_NIM)  # NIM first: the tests below read BKO's version as the last
    network.act("NIM", "submit_plan", LEAD_NIM, **PLAN_NIM)
    network.walk("BKO", "send_to_committee")
    box = Mailbox(folder / "mail")
    server = Server(network.sessions, free_port(), box.port)
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield {"network": network, "mail": box, "url": server.url, "browser": browser}
        finally:
            browser.close()
            server.stop()
            box.stop()


def until(condition: Any, what: str) -> Any:
    give_up = time.monotonic() + PATIENCE
    while not (found := condition()):
        assert time.monotonic() < give_up, f"gave up waiting for {what}"
        time.sleep(0.1)
    return found


def signed_in(world: dict[str, Any], email: str, **context: Any) -> Any:
    """A browser page signed in the way a person does it: ask for a link, open it from the mail, press the button."""
    page = world["browser"].new_page(**context)
    page.set_default_timeout(PATIENCE * 1000)  # a cold browser on a busy two-core machine: a bound, not a wait
    page.goto(world["url"] + "/")
    page.fill("#email", email)
    page.click("button[type=submit]")
    page.wait_for_selector("p.notice")

    def link() -> str | None:
        for m in reversed(world["mail"].messages()):  # the newest: earlier links were spent already
            found = re.search(r"http://\S+/signin/\S+", m.get_body(("plain",)).get_content())
            if m["To"].addresses[0].addr_spec == email and found and found.group(0) not in world.setdefault("seen", []):
                world["seen"].append(found.group(0))
                return found.group(0)
        return None

    page.goto(until(link, f"the sign-in mail to {email}"))
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/signin" not in url)  # the board, or a city team's own city
    return page


def test_a_coach_signs_in_from_the_mail_approves_and_the_board_moves(world: dict[str, Any]) -> None:
    page = signed_in(world, COACH_BKO, viewport={"width": 1280, "height": 860})
    assert "Revue du plan" in page.inner_text("main")
    page.screenshot(path=str(SHOTS / "board-desktop.png"), full_page=True)
    page.goto(world["url"] + "/approvals")
    assert "Bamako" in page.inner_text("main")
    page.screenshot(path=str(SHOTS / "approvals-desktop.png"), full_page=True)
    page.goto(world["url"] + "/cities/BKO")
    page.screenshot(path=str(SHOTS / "city-desktop.png"), full_page=True)
    page.click("form.act:has(input[value=send_to_committee]) button[type=submit]")
    page.wait_for_selector("p.notice")
    page.goto(world["url"] + "/")
    row = page.inner_text("tr:has(a[href='/cities/BKO'])")
    assert "Comité d'investissement" in row


def test_a_phone_sees_the_same_pages(world: dict[str, Any]) -> None:
    page = signed_in(world, COACH_BKO, viewport={"width": 390, "height": 844}, is_mobile=True)
    assert "Bamako" in page.inner_text("main")
    wide = "document.documentElement.scrollWidth"
    assert page.evaluate(wide) <= 390, "the board fits a phone"
    page.screenshot(path=str(SHOTS / "board-phone.png"), full_page=True)
    page.goto(world["url"] + "/cities/BKO")
    assert page.evaluate(wide) <= 390, "the city page fits a phone"
    page.screenshot(path=str(SHOTS / "city-phone.png"), full_page=True)
    page.goto(world["url"] + "/approvals")
    assert page.evaluate(wide) <= 390, "my approvals fit a phone"
    page.screenshot(path=str(SHOTS / "approvals-phone.png"), full_page=True)


def test_a_coach_of_another_city_reads_that_nothing_waits(world: dict[str, Any]) -> None:
    page = signed_in(world, COACH_BEN)
    page.goto(world["url"] + "/cities/BKO")
    text = page.inner_text("main")
    assert page.query_selector("form.act") is None, "nothing to act on for another city's coach"
    assert "Rien ne vous attend" in text, "in French"
    assert "Impossible pour vous maintenant" not in text, "no list of acts their role may not do here"


def test_a_form_without_its_security_token_is_refused(world: dict[str, Any]) -> None:
    page = signed_in(world, COACH_BEN)
    page.goto(world["url"] + "/signin")
    page.evaluate("document.querySelector('input[name=csrf]').remove()")
    page.fill("#email", COACH_BEN)
    page.click("button[type=submit]")
    assert "jeton de sécurité" in page.inner_text("main"), "in the signed-in coach's French"


def test_stale_expired_reused_and_forged_approval_links_are_refused(world: dict[str, Any]) -> None:
    network: Network = world["network"]
    with network.sessions() as s:
        coach = s.scalar(select(Person.id).where(Person.email == COACH_BKO)) or 0
    page = world["browser"].new_page()
    page.set_default_timeout(PATIENCE * 1000)
    version = network.results[-1].version  # BKO has moved on since (the first test sent it to committee)
    stale = approval_link(SIGNER, world["url"], coach, 0, "BKO", "send_to_committee", version, datetime.now(UTC))
    page.goto(stale)
    page.click("button[type=submit]")
    text = page.inner_text("main")
    assert "a changé pendant que vous décidiez" in text or "n'est pas possible à l'étape" in text
    page.goto(stale)  # a link serves once, even to be refused
    assert "a déjà servi" in page.inner_text("main") and page.query_selector("button[type=submit]") is None
    old = datetime.now(UTC) - timedelta(days=15)
    page.goto(approval_link(SIGNER, world["url"], coach, 0, "BKO", "send_to_committee", version, old))
    assert "Ce lien a expiré" in page.inner_text("main"), "an expired link still says whose it was: their French"
    page.goto(stale[:-4] + "AAAA")
    assert "forged" in page.inner_text("main")


def test_the_network_page_fits_a_phone_and_names_cities(world: dict[str, Any]) -> None:
    page = signed_in(world, LEAD_NIM, **PHONE)
    assert page.url.endswith("/cities/NIM"), "a city lead lands on their city"
    page.goto(world["url"] + "/network")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling on a phone"
    upcoming = page.inner_text("main table >> nth=0")
    assert "Niamey" in upcoming and not re.search(r"\bNIM\b", upcoming)
    page.screenshot(path=str(SHOTS / "network-phone.png"), full_page=True)
    wide = signed_in(world, SECRETARY_EN, **DESKTOP)
    wide.goto(world["url"] + "/network")
    wide.screenshot(path=str(SHOTS / "network-desktop.png"), full_page=True)


def test_a_plan_in_review_shows_on_the_city_page(world: dict[str, Any]) -> None:
    for name, who, width, context in (("phone", COACH_BKO, 390, PHONE), ("desktop", SECRETARIAT, 1280, DESKTOP)):
        page = signed_in(world, who, **context)
        page.goto(world["url"] + "/cities/NIM")
        text = page.inner_text("main")
        assert "Éclairage public à Niamey" in text and "40\u202f000,00\xa0€" in text
        assert "réduire les pannes de moitié.\nHypothèse" in text, "the line break shows"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SHOTS / f"city-review-{name}.png"), full_page=True)


def test_a_coach_asks_for_changes_from_the_link_in_the_mail(world: dict[str, Any]) -> None:
    network: Network = world["network"]
    with network.sessions() as s:
        coach = s.scalar(select(Person.id).where(Person.email == COACH_BKO)) or 0
    [nim] = [r for r in status(network.sessions, datetime.now(UTC)) if r.city == "NIM"]
    link = approval_link(SIGNER, world["url"], coach, 0, "NIM", "send_to_committee", nim.version, datetime.now(UTC))
    wide = world["browser"].new_page(**DESKTOP)
    wide.goto(link)  # a GET never acts: looking at it on a desktop first changes nothing
    wide.screenshot(path=str(SHOTS / "approve-desktop.png"), full_page=True)
    page = world["browser"].new_page(**PHONE, locale="fr-FR")
    page.set_default_timeout(PATIENCE * 1000)
    page.goto(link)
    text = page.inner_text("main")
    assert "Éclairage public à Niamey" in text and "Demander des modifications du plan" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "approve-phone.png"), full_page=True)
    page.fill("textarea[name=changes]", "Précisez ce que vous mesurerez.\nRéduisez le budget.")
    page.click("form[action$='/changes'] button[type=submit]")
    page.wait_for_selector("p.notice")
    assert UI["fr"]["done"].format(what="Demander des modifications du plan") in page.inner_text("main")
    [nim] = [r for r in status(network.sessions, datetime.now(UTC)) if r.city == "NIM"]
    assert nim.state == "experiment_planning"
    page.goto(link)
    assert "a déjà servi" in page.inner_text("main")


def as_person(world: dict[str, Any], email: str, **context: Any) -> Any:
    """A page whose browser holds the session a sign-in would give (sign-in links are rationed per address and per
    client; the sign-in path itself is walked by the tests above)."""
    network: Network = world["network"]
    with network.sessions() as s:
        person = s.scalars(select(Person).where(Person.email == email)).one()
        claims = {"person": person.id, "k": person.access_key}
    token = SIGNER.sign("session", claims, at=datetime.now(UTC), lasts=timedelta(hours=1))
    browser = world["browser"].new_context(**context)
    browser.add_cookies([{"name": "jalon_session", "value": token, "url": world["url"]}])
    page = browser.new_page()
    page.set_default_timeout(PATIENCE * 1000)
    return page


def test_a_city_lead_types_a_plan_on_a_phone_and_a_refused_form_comes_back_filled(world: dict[str, Any]) -> None:
    page = as_person(world, LEAD_SMP, **PHONE)
    page.goto(world["url"] + "/cities/SMP")
    form = "form#submit_plan"
    page.fill(f"{form} [name=f_title]", "Guichet numérique de l'état civil")
    page.fill(f"{form} [name=f_hypothesis]", HYPOTHESIS)
    page.fill(f"{form} [name=f_budget]", "10.000")  # thousands or cents? a French reader is asked which
    page.select_option(f"{form} [name=f_currency]", "EUR")
    page.fill(f"{form} [name=f_duration_months]", "9")
    assert page.get_attribute(f"{form} [name=f_duration_months]", "type") == "number"
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(f"{form} p.fault")
    assert "peut se lire de deux façons" in page.inner_text(f"{form} p.fault")
    assert page.input_value(f"{form} [name=f_budget]") == "10.000", "the amount as typed"
    assert page.input_value(f"{form} [name=f_hypothesis]") == HYPOTHESIS, "line breaks and accents kept"
    assert page.input_value(f"{form} [name=f_currency]") == "EUR"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "city-refused-form-phone.png"), full_page=True)
    page.evaluate("document.querySelector('form#submit_plan [name=f_title]').removeAttribute('required')")
    page.fill(f"{form} [name=f_title]", "")
    page.fill(f"{form} [name=f_budget]", "10 000,50")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(f"{form} p.fault")
    assert "Titre" in page.inner_text(f"{form} p.fault"), "the empty title, said beside it"
    assert page.input_value(f"{form} [name=f_budget]") == "10 000,50"
    page.fill(f"{form} [name=f_title]", "Guichet numérique de l'état civil")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("p.notice")
    text = page.inner_text("main")
    assert UI["fr"]["done"].format(what="Soumettre le plan d'expérimentation") in text
    assert "10\u202f000,50\xa0€" in text and "réduire l'attente à l'état civil\n– former 12 agents" in text


def test_objectives_are_ticked_as_checkboxes_on_a_phone(world: dict[str, Any]) -> None:
    page = as_person(world, LEAD_NKC, **PHONE)
    page.goto(world["url"] + "/cities/NKC")
    page.check('form#tick_objective label:has-text("Participation à l\'événement inaugural") input')
    page.check('form#tick_objective label:has-text("Attentes définies") input')
    page.screenshot(path=str(SHOTS / "city-objectives-phone.png"), full_page=True)
    page.click("form#tick_objective button[type=submit]")
    page.wait_for_selector("p.notice")
    notice = page.inner_text("p.notice")
    assert UI["fr"]["ticked"].format(what="Participation à l'événement inaugural, Attentes définies") in notice
    checklist = page.inner_text("main")
    assert "✔ Participation à l'événement inaugural" in checklist and "✔ Attentes définies" in checklist
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_coach_reads_the_typed_plan_and_asks_for_changes_from_the_link(world: dict[str, Any]) -> None:
    network: Network = world["network"]
    [smp] = [r for r in status(network.sessions, datetime.now(UTC)) if r.city == "SMP"]
    assert smp.state == "plan_review", "the plan typed on the phone went in"
    desk = as_person(world, COACH_BEN, **DESKTOP)
    desk.goto(world["url"] + "/approvals")
    mine = desk.inner_text("main")
    assert (
        "Guichet numérique de l'état civil" in mine and "réduire l'attente à l'état civil\n– former 12 agents" in mine
    )
    with network.sessions() as s:
        coach = s.scalar(select(Person.id).where(Person.email == COACH_BEN)) or 0
    link = approval_link(SIGNER, world["url"], coach, 0, "SMP", "send_to_committee", smp.version, datetime.now(UTC))
    page = world["browser"].new_page(**PHONE)
    page.set_default_timeout(PATIENCE * 1000)
    page.goto(link)
    text = page.inner_text("main")
    assert "Objectifs :\n– réduire l'attente à l'état civil\n– former 12 agents" in text, "the plan in full"
    page.fill("textarea[name=changes]", "Précisez le calendrier.\nCombien d'agents par mois ?")
    page.click("form[action$='/changes'] button[type=submit]")
    page.wait_for_selector("p.notice")
    assert UI["fr"]["done"].format(what="Demander des modifications du plan") in page.inner_text("main")
    desk.goto(world["url"] + "/cities/SMP")
    assert "Précisez le calendrier.\nCombien d'agents par mois ?" in desk.inner_text("main"), "kept in the history"
