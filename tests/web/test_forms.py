"""The city page's forms through HTTP: what a person types is accepted the way they write it, and a refused form
comes back filled, the reason in their language beside the field at fault."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from models.db import make_engine, make_sessions, upgrade
from support import COACH_BEN, LEAD_BKO, SECRETARIAT, Network, load_examples
from web.words import UI
from web_support import as_reader, csrf

LEAD_NIM = "aissa.moussa@niamey.example.org"
HYPOTHESIS = "Objectifs :\n– réduire l'attente à l'état civil\n– former 12 agents"


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    """Bamako writing its plan; Niamey onboarding, no objective ticked yet."""
    folder = tmp_path_factory.mktemp("forms")
    engine = make_engine(f"sqlite:///{folder / 'jalon.db'}")
    upgrade(engine)
    network = load_examples(make_sessions(engine), datetime.now(UTC) - timedelta(days=60))
    network.walk("BKO", "submit_plan")
    network.walk("NIM", "tick_objective", lead=LEAD_NIM)
    yield network
    engine.dispose()


def form_of(page: str, trigger: str) -> str:
    found = re.search(rf'<form class="act" id="{trigger}".*?</form>', page, re.S)
    assert found, f"no form for {trigger}"
    return found.group(0)


def plan(browser: TestClient, **typed: str) -> tuple[int, str]:
    page = browser.get("/cities/BKO").text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    values = {"title": "Guichet numérique", "hypothesis": HYPOTHESIS, "budget": "10 000,50", "currency": "XOF"}
    values |= {"duration_months": "8", **typed}
    data = {"csrf": csrf(page), "trigger": "submit_plan", "version": version.group(1)}
    answer = browser.post("/cities/BKO/act", data=data | {f"f_{k}": v for k, v in values.items()})
    return answer.status_code, answer.text


def test_the_plan_form_asks_as_a_phone_expects_in_french(network: Network) -> None:
    form = form_of(as_reader(network, LEAD_BKO).get("/cities/BKO").text, "submit_plan")
    assert ">Titre<" in form and "Objectifs et hypothèses" in form and "(facultatif)" in form
    assert re.search(r'name="f_duration_months" type="number" inputmode="numeric" min="1"', form)
    assert re.search(r'name="f_budget" inputmode="decimal"', form)
    currencies = re.search(r'<select[^>]*name="f_currency".*?</select>', form, re.S)
    assert currencies and 'value="EUR" selected' in currencies.group(0), "the first of the programme's currencies"
    assert ">EUR — euro<" in currencies.group(0) and 'value="XOF"' in currencies.group(0)


def test_an_ambiguous_amount_comes_back_filled_with_the_reason_beside_it(network: Network) -> None:
    status, page = plan(as_reader(network, LEAD_BKO), budget="10.000")
    assert status == 400 and "<h1>Bamako" in page, "the city page again, not an error page"
    form = form_of(page, "submit_plan")
    budget = re.search(r'name="f_budget"[^>]*value="([^"]*)"[^>]*>\s*<p class="fault" role="alert">([^<]+)', form)
    assert budget and budget.group(1) == "10.000", "the amount as typed"
    assert "peut se lire de deux façons" in html.unescape(budget.group(2)), "why, in French, beside the budget"
    assert f">{HYPOTHESIS}</textarea>" in html.unescape(form), "the line breaks and accents kept"
    assert 'value="Guichet numérique"' in form and 'value="XOF" selected' in form and 'value="8"' in form


def test_an_empty_required_field_sent_anyway_is_said_and_the_rest_kept(network: Network) -> None:
    status, page = plan(as_reader(network, LEAD_BKO), title="  ")
    assert status == 400
    form = form_of(page, "submit_plan")
    assert "Titre" in html.unescape(re.findall(r'class="(?:fault|refusal)" role="alert">([^<]+)', form)[0])
    assert f">{HYPOTHESIS}</textarea>" in html.unescape(form)


def test_the_plan_typed_the_french_way_goes_in(network: Network) -> None:
    browser = as_reader(network, LEAD_BKO)
    status, page = plan(browser, currency="XOF")
    assert status == 400 and "les montants en XOF s'écrivent sans décimales" in html.unescape(page)
    status, _ = plan(browser, currency="EUR")
    assert status == 200, "followed to the city page"
    page = html.unescape(browser.get("/cities/BKO").text)
    assert "10\u202f000,50\xa0€" in page
    assert HYPOTHESIS in page and "Revue du plan" in page


def test_objectives_are_ticked_by_their_labels_several_at_once(network: Network) -> None:
    browser = as_reader(network, SECRETARIAT)
    page = browser.get("/cities/NIM").text
    form = form_of(page, "tick_objective")
    assert 'type="checkbox"' in form and "Participation à l&#39;événement inaugural" in form
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    data = {"csrf": csrf(page), "trigger": "tick_objective", "version": version.group(1)}
    answer = browser.post("/cities/NIM/act", data={**data, "f_item": ["kickoff_attended", "secretariat_visit"]})
    assert answer.status_code == 200, "one act each, in order, then the city page"
    text = html.unescape(answer.text)
    ticked = "Participation à l'événement inaugural, Visite du Secrétariat effectuée"
    assert UI["fr"]["ticked"].format(what=ticked) in text
    assert "✔ Participation à l'événement inaugural" in text and "✔ Visite du Secrétariat effectuée" in text
    page = browser.get("/cities/NIM").text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    data = {"csrf": csrf(page), "trigger": "tick_objective", "version": version.group(1)}
    again = browser.post("/cities/NIM/act", data={**data, "f_item": ["participation_public", "kickoff_attended"]})
    assert again.status_code == 409, "as many as can be ticked, then why not the rest"
    text = html.unescape(again.text)
    assert UI["fr"]["ticked"].format(what="Participation rendue publique") in text
    assert 'class="refusal" role="alert"' in text


def test_ticking_nothing_is_said_beside_the_objectives(network: Network) -> None:
    browser = as_reader(network, LEAD_NIM)
    page = browser.get("/cities/NIM").text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    answer = browser.post(
        "/cities/NIM/act", data={"csrf": csrf(page), "trigger": "tick_objective", "version": version.group(1)}
    )
    assert answer.status_code == 400 and "Cochez au moins un objectif." in answer.text


def test_reminder_times_are_in_the_readers_zone(network: Network) -> None:
    """Bamako's lead reads Bamako's time (UTC); the secretariat in Paris reads Paris time, the offset named."""
    lead = html.unescape(as_reader(network, LEAD_BKO).get("/cities/BKO").text)
    secretariat = html.unescape(as_reader(network, SECRETARIAT).get("/cities/BKO").text)
    ladder = re.compile(r'<table class="ladder">.*?</table>', re.S)
    [for_lead], [for_secretariat] = ladder.findall(lead), ladder.findall(secretariat)
    assert "(UTC)" in for_lead and "UTC+" not in for_lead
    assert "(UTC)" not in for_secretariat and re.search(r"\(UTC\+[12]\)", for_secretariat)
    assert "à envoyer" in for_lead and "pending" not in for_lead


def test_a_coach_is_assigned_by_name_from_the_networks_coaches(network: Network) -> None:
    browser = as_reader(network, SECRETARIAT)
    page = browser.get("/cities/NIM").text
    form = form_of(page, "assign_coach")
    coaches = re.search(r'<select[^>]*name="f_coach".*?</select>', form, re.S)
    assert coaches and ">Leïla Ben Ali<" in html.unescape(coaches.group(0)) and ">Joana Macuácua<" in coaches.group(0)
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    data = {"csrf": csrf(page), "trigger": "assign_coach", "version": version.group(1), "f_coach": COACH_BEN}
    answer = browser.post("/cities/NIM/act", data=data)
    assert answer.status_code == 200
    assert escape(UI["fr"]["done"].format(what="Désigner le coach d'expérimentation")) in answer.text
