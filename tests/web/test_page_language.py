"""Every page in the reader's language: each role, in French and in Portuguese, on cities at each interesting stage,
and the error pages; no English word of the interface and no internal identifier in what a person sees.

What a person sees: the text between tags, the page's title, and the title, aria-label, placeholder and alt of each
element (select options are text). Email addresses and links are set aside: they are addresses, not words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from babel import Locale
from sqlalchemy import update

from engine.views.queries import status
from models import Person
from models.db import make_engine, make_sessions, upgrade
from notifications.sentences import FIELDS, SENTENCES, WHO
from notifications.words import ACTS, ROLES, STAGES, SUBJECTS
from states import CITY_JOURNEY
from states.records import REPORT_LIFECYCLE, TRANCHE_LIFECYCLE
from support import (
    COACH_BEN,
    COACH_BKO,
    COMMITTEE_BKO,
    FINANCE,
    LEAD_BEN,
    LEAD_BKO,
    MAYOR_BKO,
    MEMBER_BKO,
    PARTNER_BKO,
    SECRETARIAT,
    Network,
    load_examples,
)
from web.words import UI
from web_support import SIGNER, approval, as_reader, client, csrf

LEAD_NIM = "aissa.moussa@niamey.example.org"
LEAD_BIZ = "sana.trabelsi@bizerte.example.org"
ROLES_SEEN = {
    "secretariat": SECRETARIAT,
    "finance": FINANCE,
    "coach": COACH_BKO,
    "city_lead": LEAD_BKO,
    "city_member": MEMBER_BKO,
    "mayor": MAYOR_BKO,
    "committee_member": COMMITTEE_BKO,
    "partner": PARTNER_BKO,
}
PLAN_FR = {
    "title": "Guichet numérique de l'état civil",
    "hypothesis": "Objectifs :\n– réduire l'attente à l'état civil\n– former 12 agents",
    "budget": "30000",
    "currency": "EUR",
    "duration_months": "8",
    "procurement": "Tablettes\nAutorisation de la mairie",
}
PAGES: tuple[str, ...] = ("/", "/approvals", "/network", "/cities/BKO", "/cities/NIM", "/cities/BEN", "/cities/BIZ")
PAGES += ("/cities/NIM?done=tick_objective&ticked=kickoff_attended&ticked=secretariat_visit",)
WORD = re.compile(r"\S*_\S*|[^\W\d_]{2,}")
ADDRESSES = re.compile(r"\S+@\S+|https?://\S+")


def words_of(*tables: object) -> set[str]:
    """Every word (lower case) of the values of nested tables of sentences, their {placeholders} aside."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, str):
            found.update(w.lower() for w in re.findall(r"[^\W\d_]+", re.sub(r"\{[^}]*\}", " ", value)))

    for table in tables:
        walk(table)
    return found


def calendar_words(*languages: str) -> set[str]:
    """Month and day names, as Babel abbreviates them too ("out." is October in Portuguese)."""
    names: dict[str, object] = {}
    for lang in languages:
        locale = Locale.parse(lang)
        for width in ("abbreviated", "wide"):
            names[f"{lang}.{width}"] = {
                **{str(k): v for k, v in locale.months["format"][width].items()},
                **{f"d{k}": v for k, v in locale.days["format"][width].items()},
            }
    return words_of(names)


TABLES = (UI, STAGES, ROLES, SUBJECTS, WHO, ACTS, FIELDS, SENTENCES)  # words by language
FOREIGN = (
    words_of(*({k: v for k, v in table.items() if k != "en"} for table in TABLES))
    | {"jalon", "email", "cfa", "utc"}
    | calendar_words("fr", "pt")
)
ENGLISH = (
    words_of(
        UI["en"],
        STAGES["en"],
        ROLES["en"],
        SUBJECTS["en"],
        {t.trigger: t.label for t in CITY_JOURNEY.transitions},
        {f"{t.trigger}.{f.name}": f.label for t in CITY_JOURNEY.transitions for f in t.needs},
    )
    - FOREIGN
) | {"objective", "advance", "interim", "pending", "fired", "due", "ok"}
IDENTIFIERS = (
    {s.name for s in CITY_JOURNEY.states}
    | set(CITY_JOURNEY.triggers)
    | {s.name for s in (*REPORT_LIFECYCLE.states, *TRANCHE_LIFECYCLE.states)}
    | {"pending", "fired", "skipped", "cancelled", "city", "committee", "advance", "interim", "experiment", "periodic"}
    | {"contract_signed", "award", "first_report_approved", "final_report_approved", "join"}
) - FOREIGN


class Seen(HTMLParser):
    """What a person sees of a page: its text and the attributes read aloud or shown on hover."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self.hidden += 1
        self.parts.extend(v or "" for k, v in attrs if k in ("title", "aria-label", "placeholder", "alt"))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def seen(page: str) -> str:
    parser = Seen()
    parser.feed(page)
    return ADDRESSES.sub(" ", " ".join(parser.parts))


def foreign_words(page: str) -> list[str]:
    """English words of the interface and identifiers a page shows (it should show none)."""
    found = []
    text = seen(page)
    for word in WORD.findall(text):
        low = word.lower()
        if "_" in word or low in IDENTIFIERS or low in ENGLISH:
            found.append(word)
    for phrase in ("not done", " OK "):
        if phrase in f" {text} ":
            found.append(phrase)
    return found


def check(page: str, where: str) -> None:
    wrong = foreign_words(page)
    assert not wrong, f"{where}: {sorted(set(wrong))}"


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    """Bamako's plan in review (written in French), Niamey onboarding with two objectives ticked, Benguerir
    experimenting with its grant and a report due, Bizerte's report waiting for its coach."""
    folder = tmp_path_factory.mktemp("language")
    engine = make_engine(f"sqlite:///{folder / 'jalon.db'}")
    upgrade(engine)
    network = load_examples(make_sessions(engine), datetime.now(UTC) - timedelta(days=60))
    network.walk("BKO", "submit_plan")
    network.act("BKO", "submit_plan", LEAD_BKO, **PLAN_FR)
    network.walk("NIM", "tick_objective", lead=LEAD_NIM)
    network.act("NIM", "tick_objective", SECRETARIAT, item="kickoff_attended")
    network.act("NIM", "tick_objective", LEAD_NIM, item="secretariat_visit")
    network.walk("BEN", "submit_plan", lead=LEAD_BEN, coach=COACH_BEN)
    network.act("BEN", "submit_plan", LEAD_BEN, **PLAN_FR)
    for trigger, by, data in (
        ("send_to_committee", COACH_BEN, {}),
        ("approve_grant", SECRETARIAT, {"amount": "30000", "currency": "EUR"}),
        ("pay_tranche", FINANCE, {}),
    ):
        network.act("BEN", trigger, by, **data)
    network.walk("BIZ", "submit_plan", lead=LEAD_BIZ, coach=COACH_BEN)
    network.act("BIZ", "submit_plan", LEAD_BIZ, **PLAN_FR)
    network.act("BIZ", "send_to_committee", COACH_BEN)
    network.act("BIZ", "approve_grant", SECRETARIAT, amount="30000", currency="EUR")
    network.act("BIZ", "submit_report", LEAD_BIZ, summary="Premier trimestre :\n– 40 agents formés")
    yield network
    engine.dispose()


def speaking(network: Network, lang: str) -> None:
    """Everyone reads lang (their pages and their links' pages)."""
    with network.sessions.begin() as s:
        s.execute(update(Person).values(language=lang))


@pytest.mark.parametrize("lang", ["fr", "pt"])
def test_every_page_as_every_role_is_in_the_readers_language(network: Network, lang: str) -> None:
    speaking(network, lang)
    for role, email in ROLES_SEEN.items():
        browser = as_reader(network, email)
        for path in PAGES:
            answer = browser.get(path)
            assert answer.status_code == 200, (role, path)
            assert f'lang="{lang}"' in answer.text
            check(answer.text, f"{role} on {path} in {lang}")


@pytest.mark.parametrize("lang", ["fr", "pt"])
def test_error_pages_are_in_the_readers_language(network: Network, lang: str) -> None:
    speaking(network, lang)
    lead = as_reader(network, LEAD_BKO)
    check(lead.get("/no/such/page").text, f"404 in {lang}")
    page = lead.get("/cities/BKO").text
    refused = lead.post("/cities/BKO/act", data={"csrf": csrf(page), "trigger": "send_to_committee", "version": "1"})
    assert refused.status_code == 409
    check(refused.text, f"a refused act in {lang}")
    bad = lead.post("/cities/BKO/act", data={"csrf": csrf(page), "trigger": "submit_plan", "version": "x"})
    assert bad.status_code == 400
    check(bad.text, f"a bad form in {lang}")
    forged = lead.post("/cities/BKO/act", data={"trigger": "submit_plan"})
    assert forged.status_code == 403
    check(forged.text, f"a form without its token in {lang}")
    expired = approval(network, 1, at=datetime.now(UTC) - timedelta(days=15))
    answer = client(network.sessions, lang).get(expired)  # whose it was, else the browser's
    assert answer.status_code == 400
    check(answer.text, f"an expired link in {lang}")
    old = datetime.now(UTC) - timedelta(hours=1)
    token = SIGNER.sign("signin", {"email": LEAD_BKO, "n": 1, "k": 0}, at=old, lasts=timedelta(minutes=15))
    signin = client(network.sessions, lang).get(f"/signin/{token}")
    assert signin.status_code == 400
    check(signin.text, f"an expired sign-in link in {lang}")


@pytest.mark.parametrize("lang", ["fr", "pt"])
def test_a_refused_form_comes_back_in_the_readers_language(network: Network, lang: str) -> None:
    speaking(network, lang)
    secretary = as_reader(network, SECRETARIAT)
    page = secretary.get("/cities/NIM").text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    refused = secretary.post(
        "/cities/NIM/act",
        data={
            "csrf": csrf(page),
            "trigger": "extend_deadline",
            "version": version.group(1),
            "f_days": "0",
            "f_reason": "Conseil\nmunicipal",
        },
    )
    assert refused.status_code == 400
    check(refused.text, f"a refused extension in {lang}")
    assert "Conseil\nmunicipal</textarea>" in refused.text, "the reason comes back as typed"


@pytest.mark.parametrize("lang", ["fr", "pt"])
def test_the_link_pages_are_in_the_readers_language(network: Network, lang: str) -> None:
    speaking(network, lang)
    anonymous = client(network.sessions, lang)
    check(anonymous.get("/signin").text, f"sign-in in {lang}")
    sent = anonymous.post("/signin", data={"email": LEAD_BKO, "csrf": csrf(anonymous.get("/signin").text)})
    check(sent.text, f"a sign-in link sent, in {lang}")
    token = SIGNER.sign("signin", {"email": LEAD_BKO, "n": 1, "k": 0}, at=datetime.now(UTC), lasts=timedelta(minutes=9))
    check(anonymous.get(f"/signin/{token}").text, f"the sign-in link's page in {lang}")
    [biz] = [r for r in status(network.sessions, datetime.now(UTC)) if r.city == "BIZ"]
    link = approval(network, biz.version, city="BIZ", trigger="approve_report", coach=COACH_BEN)
    page = anonymous.get(link)
    assert page.status_code == 200
    check(page.text, f"the approval link's page in {lang}")
    blank = anonymous.post(link + "/changes", data={"csrf": csrf(page.text), "changes": " "})
    assert blank.status_code == 400
    check(blank.text, f"the link's page asking what should change, in {lang}")
    stale = approval(network, biz.version - 1, city="BIZ", trigger="approve_report", coach=COACH_BEN)
    refused = anonymous.post(stale, data={"csrf": csrf(anonymous.get(stale).text)})
    assert refused.status_code == 409
    check(refused.text, f"a stale link refused, in {lang}")
    used = anonymous.get(stale)
    assert used.status_code == 400
    check(used.text, f"a used link, in {lang}")
