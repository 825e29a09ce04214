"""What a reviewer reads before deciding: the plan (or the report) on the city page, on "My approvals" and on the
approval link's page, in their language; asking for changes from the link; the board and network as a newcomer
reads them; each person landing where their work is."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from markupsafe import escape

from engine.views.queries import history, status
from mail_server import Mailbox
from support import COACH_BEN, COACH_BKO, LEAD_BKO, MEMBER_BKO, SECRETARIAT, Network, load_examples
from web.words import UI
from web_support import approval, client, csrf, sign_in, signed_in

COACH_MTL = "joana.macuacua@coach.example.org"
LEAD_MTL = "helio.mondlane@matola.example.org"
PLAN_FR = {
    "title": "Données ouvertes à Bamako",
    "hypothesis": "Objectif : publier les marchés.\nHypothèse : les élus s'en servent.",
    "budget": "40000",
    "currency": "EUR",
    "duration_months": "9",
    "procurement": "Achat d'un serveur\nAutorisation de la mairie",
}
PLAN_PT = {
    "title": "Iluminação pública na Matola",
    "hypothesis": "Objetivo: reduzir a avaria.\nHipótese: os moradores avisam mais cedo.",
    "budget": "40000",
    "currency": "EUR",
    "duration_months": "12",
    "procurement": "Aquisição de sensores",
}


def shown(text: str) -> str:
    """What the autoescaped page says (its apostrophes escaped back)."""
    return text.replace("&#39;", "'")


@pytest.fixture
def network(tmp_path: Path) -> Network:
    """BKO's plan (French) and MTL's (Portuguese) both waiting for their coach."""
    from models.db import make_engine, make_sessions, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'jalon.db'}")
    upgrade(engine)
    network = load_examples(make_sessions(engine), datetime.now(UTC) - timedelta(days=60))
    network.walk("BKO", "submit_plan")
    network.act("BKO", "submit_plan", LEAD_BKO, **PLAN_FR)
    network.walk("MTL", "submit_plan", lead=LEAD_MTL, coach=COACH_MTL)
    network.act("MTL", "submit_plan", LEAD_MTL, **PLAN_PT)
    return network


def version(network: Network, city: str) -> int:
    [row] = [r for r in status(network.sessions, datetime.now(UTC)) if r.city == city]
    return row.version


def assert_plan_fr(page: str) -> None:
    page = shown(page)
    assert UI["fr"]["plan_heading"].format(title="Données ouvertes à Bamako") in page
    assert "Objectifs et hypothèses" in page
    assert "Objectif : publier les marchés.\nHypothèse : les élus s'en servent." in page, "line breaks kept"
    assert "40\u202f000,00\xa0€" in page, "the budget as French money"
    assert "9 mois" in page
    assert "Achat d'un serveur\nAutorisation de la mairie" in page


def assert_plan_pt(page: str) -> None:
    assert "Plano de experimentação: Iluminação pública na Matola" in page
    assert "Objetivos e hipóteses" in page
    assert "Objetivo: reduzir a avaria.\nHipótese: os moradores avisam mais cedo." in page
    assert "40\xa0000,00\xa0€" in page, "the budget as European Portuguese money"
    assert "12 meses" in page and "Aquisição de sensores" in page


def test_a_french_coach_reads_the_plan_on_the_city_page_approvals_and_the_link(
    network: Network, mailbox: Mailbox
) -> None:
    browser = sign_in(network, mailbox, COACH_BKO)
    assert_plan_fr(browser.get("/cities/BKO").text)
    waiting = browser.get("/approvals").text
    assert_plan_fr(waiting)
    assert "Décider que la ville est prête" in waiting
    link = client(network.sessions).get(approval(network, version(network, "BKO")))  # opened from the mail
    assert link.status_code == 200 and 'lang="fr"' in link.text
    assert_plan_fr(link.text)
    assert "Demander des modifications du plan" in link.text and "<textarea" in link.text


def test_a_portuguese_coach_reads_the_plan_in_portuguese(network: Network, mailbox: Mailbox) -> None:
    browser = sign_in(network, mailbox, COACH_MTL)
    assert_plan_pt(browser.get("/cities/MTL").text)
    assert_plan_pt(browser.get("/approvals").text)
    path = approval(network, version(network, "MTL"), city="MTL", coach=COACH_MTL)
    link = client(network.sessions).get(path)
    assert 'lang="pt"' in link.text and "Pedir alterações ao plano" in link.text
    assert_plan_pt(link.text)


def test_the_city_team_and_secretariat_read_the_plan_too(network: Network, mailbox: Mailbox) -> None:
    for email in (LEAD_BKO, SECRETARIAT):
        assert_plan_fr(sign_in(network, mailbox, email).get("/cities/BKO").text)


def test_a_coach_asks_for_changes_from_the_link(network: Network) -> None:
    """Blank is refused and leaves the link unspent; then the city goes back to planning, the changes in its history."""
    browser = client(network.sessions)
    path = approval(network, version(network, "BKO"))
    page = browser.get(path)
    blank = browser.post(path + "/changes", data={"csrf": csrf(page.text), "changes": "  "})
    assert blank.status_code == 400 and "Indiquez ce qui doit changer" in shown(blank.text)
    asked = "Précisez ce que vous mesurerez.\nRéduisez le budget à 30 000 €."
    done = browser.post(path + "/changes", data={"csrf": csrf(page.text), "changes": asked})
    assert done.status_code == 200
    assert escape(UI["fr"]["done"].format(what="Demander des modifications du plan")) in done.text
    [bko] = [r for r in status(network.sessions, datetime.now(UTC)) if r.city == "BKO"]
    assert bko.state == "experiment_planning", "back to planning"
    last = history(network.sessions, "BKO")[-1]
    assert last.trigger == "request_plan_changes" and last.by == COACH_BKO and last.data["changes"] == asked
    again = browser.post(path, data={"csrf": csrf(page.text)})
    assert again.status_code == 409 and "Ce lien a déjà servi" in shown(again.text), "said in the coach's language"


def test_the_changes_show_in_the_city_history(network: Network, mailbox: Mailbox) -> None:
    network.act("BKO", "request_plan_changes", COACH_BKO, changes="Ligne un : mesurer.\nLigne deux : réduire.")
    page = sign_in(network, mailbox, LEAD_BKO).get("/cities/BKO").text
    assert "Demander des modifications du plan" in page and "Entrée dans le programme" in page
    assert "request_plan_changes" not in page and "<td>join</td>" not in page
    assert "Modifications demandées</span><br>Ligne un : mesurer.\nLigne deux : réduire." in page


def test_a_waiting_report_is_shown_with_its_summary_and_can_be_sent_back(tmp_path: Path, mailbox: Mailbox) -> None:
    from models.db import make_engine, make_sessions, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'report.db'}")
    upgrade(engine)
    network = load_examples(make_sessions(engine), datetime.now(UTC) - timedelta(days=60))
    network.walk("BKO", "submit_report")
    network.act("BKO", "submit_report", LEAD_BKO, summary="Résultats : 120 élus formés.\nLeçon : commencer tôt.")
    summary = "Résultats : 120 élus formés.\nLeçon : commencer tôt."
    browser = sign_in(network, mailbox, COACH_BKO)
    for page in (browser.get("/approvals").text, browser.get("/cities/BKO").text):
        assert "Rapport en attente de relecture" in page and summary in page
    path = approval(network, version(network, "BKO"), trigger="approve_report")
    link = client(network.sessions)
    page = link.get(path)
    assert summary in page.text and "Données" not in page.text, "the report, not the plan"
    done = link.post(path + "/changes", data={"csrf": csrf(page.text), "changes": "Ajoutez le tableau des dépenses"})
    assert done.status_code == 200
    assert history(network.sessions, "BKO")[-1].trigger == "request_report_changes"


def test_the_board_names_coaches_and_sorts_cities_by_name(network: Network, mailbox: Mailbox) -> None:
    page = sign_in(network, mailbox, SECRETARIAT).get("/").text
    assert "Amadou Traoré" in page and "Leïla Ben Ali" in page
    assert COACH_BKO not in page.replace(f'value="{COACH_BKO}"', ""), "an address only as the filter's value"
    names = re.findall(r'<td><a href="/cities/[A-Z]+">([^<]+)</a>', page)
    assert names == sorted(names, key=lambda n: n.casefold()) and len(names) == 12
    coach = re.search(r'<a href="(/\?coach=[^"]+)">Amadou Traoré</a>', page)
    assert coach, "each coach's name links to their cities"
    filtered = sign_in(network, mailbox, COACH_BEN).get(html.unescape(coach[1])).text
    assert "Bamako" in filtered and "Bizerte" not in filtered


def test_the_network_deadlines_name_cities(network: Network, mailbox: Mailbox) -> None:
    page = sign_in(network, mailbox, LEAD_BKO).get("/network").text
    upcoming = page.split("<h2>", 2)[1]
    assert "Bamako" in upcoming and not re.search(r"<td>[A-Z]{3}</td>", upcoming)


def test_a_city_team_lands_on_its_city_and_others_on_the_board(network: Network, mailbox: Mailbox) -> None:
    assert signed_in(network, mailbox, LEAD_BKO)[1] == "/cities/BKO"
    assert signed_in(network, mailbox, MEMBER_BKO)[1] == "/cities/BKO"
    assert signed_in(network, mailbox, COACH_BKO)[1] == "/"
    assert signed_in(network, mailbox, SECRETARIAT)[1] == "/"


def test_every_version_of_a_report_is_kept_with_the_changes_asked(tmp_path: Path, mailbox: Mailbox) -> None:
    from models.db import make_engine, make_sessions, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'versions.db'}")
    upgrade(engine)
    network = load_examples(make_sessions(engine), datetime.now(UTC) - timedelta(days=60))
    network.walk("BKO", "submit_report")
    first, second = "Résultats : 120 élus formés.", "Résultats : 120 élus formés.\nDépenses : 4 200 € sur 6 000 €."
    network.act("BKO", "submit_report", LEAD_BKO, summary=first)
    network.act("BKO", "request_report_changes", COACH_BKO, changes="Ajoutez les dépenses.")
    network.act("BKO", "submit_report", LEAD_BKO, summary=second)
    page = html.unescape(sign_in(network, mailbox, SECRETARIAT).get("/cities/BKO").text)
    shown = re.findall(r'<ol class="rounds">(.*?)</ol>', page, re.S)
    assert len(shown) == 1, "the report under review lists its versions"
    turns = re.findall(r'<span class="muted">(.*?)</span>(?:<div class="typed">(.*?)</div>)?', shown[0], re.S)
    assert [said.split(" le ")[0] for said, _ in turns] == [
        "Version 1 soumise par Fatoumata Keïta",
        "Modifications demandées par Amadou Traoré",
        "Version 2 soumise par Fatoumata Keïta",
    ]
    assert [text for _, text in turns] == [first, "Ajoutez les dépenses.", second]
