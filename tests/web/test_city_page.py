"""The city page as each reader sees it: only the acts their role could do, and who did each act, on a phone too."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from notifications.words import ROLES, act_name
from states import CITY_JOURNEY
from support import COACH_BEN, JOURNEY, LEAD_BKO, MAYOR_BKO, PARTNER_BKO, SECRETARIAT, Network
from web.words import UI
from web_support import as_reader, planned_network


@pytest.fixture
def network(tmp_path: Path) -> Network:
    """BKO with its first report under review: its lead may not submit another until the coach decides."""
    network = planned_network(tmp_path)
    steps = [t for t, _, _ in JOURNEY]
    for trigger, by, data in JOURNEY[steps.index("send_to_committee") : steps.index("approve_report")]:
        network.act("BKO", trigger, by, **data)
    return network


def barred(page: str) -> list[str]:
    """The lines of the page's list of what the reader may not do now, as text."""
    found = re.search(r'<ul class="barred">(.*?)</ul>', page, re.S)
    return (
        [html.unescape(re.sub(r"<[^>]+>", " ", li)) for li in re.findall(r"<li>(.*?)</li>", found.group(1))]
        if found
        else []
    )


@pytest.mark.parametrize("who", [MAYOR_BKO, PARTNER_BKO, COACH_BEN])
def test_a_reader_whose_role_may_not_act_reads_no_list_of_others_acts(network: Network, who: str) -> None:
    page = as_reader(network, who).get("/cities/BKO").text
    assert UI["fr"]["not_now"] not in page and not barred(page), "no list of the secretariat's acts"
    assert "réservé" not in html.unescape(page)


def test_a_city_lead_reads_why_a_report_cannot_be_submitted_yet(network: Network) -> None:
    page = as_reader(network, LEAD_BKO).get("/cities/BKO").text
    lines = barred(page)
    assert lines and UI["fr"]["not_now"] in page
    assert all("réservé" not in line for line in lines), "only acts a city lead could do, refused for another reason"
    submit = act_name("submit_report", CITY_JOURNEY.transition("submit_report").label, "fr")
    assert [line.split() for line in lines if submit in line], f"why it may not submit its report yet: {lines}"
    assert all(" : " not in line for line in lines), "the act's name, then its reason below it: no colon chain"


def test_the_history_names_who_did_each_act_on_a_phone_too(network: Network) -> None:
    page = as_reader(network, LEAD_BKO).get("/cities/BKO").text
    assert re.search(r'<span class="narrow muted address"><br>Amadou[^<]*</span>', page), "the coach, by name"


def test_the_reminders_name_the_secretariat_where_no_one_holds_the_role(network: Network) -> None:
    """Saint-Louis has no coach: the coach's rung goes to the secretariat, and its ladder says so."""
    fr, coach = UI["fr"], ROLES["fr"]["coach"]
    lonely = html.unescape(as_reader(network, SECRETARIAT).get("/cities/STL").text)
    assert fr["stand_in"].format(whom=coach) in lonely
    coached = html.unescape(as_reader(network, SECRETARIAT).get("/cities/NIM").text)
    assert f"<td>{coach}</td>" in coached and fr["stand_in"].format(whom=coach) not in coached
