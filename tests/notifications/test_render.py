"""Every message kind, in every language, says what it must: no missing value, no English left, HTML escaped."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from message_samples import GRANT, context
from notifications.catalogue import KINDS, ON_TRIGGER, TEMPLATES
from notifications.render import TEMPLATES as FOLDER
from notifications.render import language_for, render
from notifications.words import LANGUAGES, ROLES, STAGES, SUBJECTS
from states import CITY_JOURNEY

ENGLISH = re.compile(
    r"\b(the|your|please|deadline|has|been|will|with|this|from|late|due|report|city|days|working)\b", re.IGNORECASE
)
# Values from the sample data (tranche names, an objective without a translation, a server's words), not template text
SAMPLE_ENGLISH = (
    "Secretariat visit done",
    "welcome",
    "550 No such user",
)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", sorted(KINDS))
def test_every_kind_renders_in_every_language(code: str, language: str) -> None:
    """Subject on one line, a plain-text part with no markup, an HTML part that is a document."""
    message = render(code, language, context(code))
    assert message.subject and "\n" not in message.subject
    assert "Fatoumata Keïta" in message.text, "the greeting names the reader"
    assert not re.search(r"</?(p|table|td|br|a)\b", message.text), "the text part must not be HTML"
    assert message.html.startswith("<!DOCTYPE html>") and f'<html lang="{language}">' in message.html
    assert "<p>" in message.html


@pytest.mark.parametrize("language", ["fr", "pt"])
@pytest.mark.parametrize("code", sorted(KINDS))
def test_french_and_portuguese_have_no_english_left(code: str, language: str) -> None:
    """Untranslated text is caught: no common English word in subject, text or HTML (sample values aside)."""
    message = render(code, language, context(code))
    for part in (message.subject, message.text, re.sub(r"<[^>]+>", " ", message.html)):
        for sample in SAMPLE_ENGLISH:
            part = part.replace(sample, "")
        found = ENGLISH.findall(part)
        assert not found, f"{code} in {language} still says {found}"


def test_each_language_has_every_template_and_nothing_else() -> None:
    """A kind added in English only (or a stray file) fails here, before a reader meets it."""
    for language in LANGUAGES:
        files = {p.stem for p in (FOLDER / language).glob("*.jinja")} - {"_base"}
        assert files == set(TEMPLATES), language


def test_words_cover_every_stage_and_role_in_every_language() -> None:
    """A stage or role added to the journey without its names in fr and pt is caught."""
    for language in LANGUAGES:
        assert set(STAGES[language]) == {s.name for s in CITY_JOURNEY.states}
        assert set(ROLES[language]) == set(ROLES["en"]) and set(SUBJECTS[language]) == set(SUBJECTS["en"])


def test_every_catalogued_trigger_exists_in_the_journey() -> None:
    """The catalogue cannot promise a message for a trigger the lifecycle does not have."""
    assert set(ON_TRIGGER) <= set(CITY_JOURNEY.triggers)
    assert all(code in KINDS for codes in ON_TRIGGER.values() for code in codes)


def test_a_missing_value_is_an_error_not_a_blank() -> None:
    """StrictUndefined: a template asking for what the engine did not give fails loudly."""
    values = context("contract_signed")
    del values["event"]["data"]
    with pytest.raises(UndefinedError):
        render("contract_signed", "en", values)


def test_money_dates_and_times_follow_the_readers_locale_and_zone() -> None:
    """48 000,00 € in French, € 48.000,00 / 48 000,00 € in Portuguese, $-style in English; 10:30Z is 11:30 in Paris."""
    values = context("committee_decision")
    assert "48 000,00 €" in render("committee_decision", "fr", values).text.replace("\u202f", " ").replace("\xa0", " ")
    assert "€48,000.00" in render("committee_decision", "en", values).text
    values = context("paused") | {"tz": "Europe/Paris"}
    assert "2 mars 2026, 11:30 (UTC+1)" in render("paused", "fr", values).text
    values = context("paused") | {"tz": "Africa/Maputo"}
    assert "2 de mar. de 2026, 12:30 (UTC+2)" in render("paused", "pt", values).text


def test_a_script_in_a_name_is_escaped_in_html_and_plain_in_text() -> None:
    """Names and notes are text: shown as typed in the text part, never markup in the HTML part."""
    values = context("declined")
    values["reader"]["name"] = "<script>alert(1)</script>"
    values["event"]["reason"] = '<img src=x onerror="steal()">'
    message = render("declined", "fr", values)
    assert "<script>" not in message.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in message.html
    assert "<img" not in message.html and "&lt;img src=x" in message.html
    assert "<script>alert(1)</script>" in message.text


def test_language_comes_from_the_person_then_the_city_then_the_programme() -> None:
    """pt for a Mozambican reader who chose it; the city's language otherwise; the programme's last."""
    assert language_for("pt", ["fr"], ["en"]) == "pt"
    assert language_for(None, ["fr", "en"], ["en"]) == "fr"
    assert language_for(None, ["sw"], ["en", "fr"]) == "en"
    assert language_for("de", [], ["fr"]) == "fr"


def test_templates_folder_is_where_render_looks() -> None:
    """The package ships its templates beside the code (an installed copy finds them too)."""
    assert Path(FOLDER).is_dir() and (FOLDER / "layout.html").is_file()


def test_money_is_written_as_each_reader_writes_it_and_a_lettered_symbol_keeps_its_space() -> None:
    """F CFA 22,957,495 in English (Babel glues it: F CFA22,957,495); 10 000,00 € in French and Portuguese."""
    from notifications.render import money

    def plain(text: str) -> str:
        return text.replace("\u202f", " ").replace("\xa0", " ")

    assert plain(money(22957495, "XOF", "en")) == "F CFA 22,957,495"
    assert plain(money("22957495", "RWF", "en")) == "RWF 22,957,495"
    assert money("10000", "EUR", "en") == "€10,000.00", "a sign that is not a letter stays close"
    assert plain(money("10000", "EUR", "fr")) == "10 000,00 €"
    assert plain(money("10000", "EUR", "pt")) == "10 000,00 €", "European Portuguese, not Brazil's € 10.000,00"
    assert plain(money(22957495, "XOF", "fr")) == "22 957 495 F CFA"
    assert "F CFA 10,000" in plain(render("contract_signed", "en", context("contract_signed")).text)


TRANCHE_CODES = re.compile(r"\b(advance|interim|final|award|first_report_approved|final_report_approved)\b")
IN_WORDS = {
    "fr": ("Tranche 1 (50 %), à l'attribution", "Tranche 2 (30 %), après approbation du premier rapport"),
    "pt": ("Tranche 1 (50 %), na atribuição", "Tranche 3 (20 %), após aprovação do relatório final"),
}


@pytest.mark.parametrize("language", ["fr", "pt"])
def test_tranches_are_said_in_words_not_codes(language: str) -> None:
    """The committee's decision lists each tranche by number, share and condition; the payment names its tranche."""
    decision = render("committee_decision", language, context("committee_decision"))
    paid = render("tranche_paid", language, context("tranche_paid"))
    for message in (decision, paid):
        for part in (message.subject, message.text, message.html):
            assert not TRANCHE_CODES.search(part.replace("rapport final", "").replace("relatório final", ""))
    first, other = IN_WORDS[language]
    assert first in decision.text and other in decision.text
    assert first in paid.text and first in html.unescape(paid.html)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_outbox_row_written_before_tranches_had_words_still_renders(language: str) -> None:
    """Rows queued before: the decision's tranches were [name, share, amount], the payment only had a label."""
    old_grant = GRANT | {"tranches": [["advance", 50, ["24000.00", "EUR"]], ["final", 50, ["24000.00", "EUR"]]]}
    decision = context("committee_decision")
    decision["event"]["grant"] = old_grant
    text = render("committee_decision", language, decision).text
    assert "Tranche 1" in text and "Tranche 2" in text and "advance" not in text
    paid = context("tranche_paid")
    paid["event"]["tranche"] = {"label": "advance", "amount": "24000.00", "currency": "EUR"}
    paid["event"]["grant"] = old_grant
    assert "advance" not in render("tranche_paid", language, paid).text


def test_the_selection_notice_gives_the_day_of_selection_on_the_readers_calendar_not_an_hour() -> None:
    """An hour of selection says nothing to a city; the day is the one its calendar had at that moment."""
    values = context("selection_notice") | {"at": "2026-03-01T23:30:00+00:00", "tz": "Asia/Dubai"}
    text = render("selection_notice", "fr", values).text.replace("\xa0", " ")
    assert re.search(r"Date de sélection : +2 mars 2026\n", text), text
    assert "(UTC" not in text.split("Date de sélection")[1].splitlines()[0]
