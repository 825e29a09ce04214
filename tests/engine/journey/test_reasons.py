"""Every refusal in the reader's language: what a French or Portuguese reader reads has no English and no code."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from engine import act
from engine.errors import Conflict, InvalidData, JalonError, NotFound, Refused
from engine.journey.act import options
from engine.lookups import find_city, find_person
from notifications.reasons import GENERIC, field_label, say
from notifications.sentences import FIELDS, SENTENCES
from notifications.words import ACTS
from states import CITY_JOURNEY, Facts
from states import guards as g
from states.reasons import Reason
from support import (
    COACH_BEN,
    COACH_BKO,
    LEAD_BKO,
    ONBOARDING,
    PLAN,
    SECRETARIAT,
    SECRETARIAT_2,
    Network,
    rolled_back,
)

ROOT = Path(__file__).resolve().parents[3]
ENGLISH = re.compile(
    r"\b(the|is|not|must|only|may|field|trigger|you|has|been|this|with|yet|instead|none|amount|needs)\b", re.I
)
# Codes a reader must never see; 'pause', 'coach' and 'budget' are also French words, so they are left out.
CODES = re.compile(
    r"\b(confirm|decline|complete|resume|withdraw|selected|confirmed|contracting|onboarding|experimenting|"
    r"completed|paused|withdrawn|rejected|amount|currency|item|title|summary|days|timezone|languages|"
    r"hypothesis|procurement|reason|changes)\b"
)


def readable(sentence: str, language: str) -> None:
    """What a French or Portuguese reader reads: a sentence in their language, no English word, no code."""
    assert sentence and sentence.strip() == sentence, sentence
    assert "_" not in sentence, sentence
    assert not ENGLISH.findall(sentence), f"{language}: English in {sentence!r}"
    assert not CODES.findall(sentence), f"{language}: a code in {sentence!r}"
    assert "Cela n'a pas pu" not in sentence and "Não foi possível fazê-lo" not in sentence, "the generic fallback"


def spaced(text: str) -> str:
    """No-break and narrow no-break spaces as plain ones, to compare with what a person types."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture
def net(sqlite_loaded_engine: Engine) -> Iterator[Network]:
    """The sample programme on SQLite; whatever the test does is rolled back."""
    with rolled_back(sqlite_loaded_engine) as made:
        yield Network(made)


def refusal(net: Network, city: str, trigger: str, by: str, **data: object) -> JalonError:
    """The error an act raises (it must raise one)."""
    with pytest.raises(JalonError) as raised:
        net.act(city, trigger, by, **data)
    return raised.value


# --- every guard, said in French and Portuguese ------------------------------------------------------------------

LABELS = {"visit": {"en": "Secretariat visit done", "fr": "Visite du secrétariat faite", "pt": "Visita feita"}}
GUARDS = {
    "onboarding_complete": Facts("a@b.org", onboarding_items=LABELS),
    "objective_open": Facts(
        "a@b.org", {"item": "visit"}, onboarding_items=LABELS, onboarding_done=frozenset({"visit"})
    ),
    "coach_assigned": Facts("a@b.org"),
    "not_the_plan_submitter": Facts("a@b.org", plan_submitted_by="a@b.org"),
    "within_ceiling": Facts(
        "a@b.org", {"amount": Decimal("60000"), "currency": "EUR"}, ceilings={"EUR": Decimal(50000)}
    ),
    "report_to_submit": Facts("a@b.org"),
    "report_awaiting_review": Facts("a@b.org"),
    "not_the_report_submitter": Facts("a@b.org", report_submitted_by="a@b.org"),
    "no_report_under_review": Facts("a@b.org", report_submitted_by="b@b.org"),
    "tranche_eligible": Facts("a@b.org"),
    "final_report_approved": Facts("a@b.org"),
    "all_tranches_paid": Facts("a@b.org", tranches_unpaid=2),
    "deadline_open": Facts("a@b.org"),
    "reminder_running": Facts("a@b.org"),
    "some_detail_given": Facts("a@b.org", {}),
    "award_in_plan_currency": Facts("a@b.org", {"currency": "XOF"}, plan_currency="EUR"),
}


def test_every_guard_is_tried_here() -> None:
    declared = {name for name in dir(g) if not name.startswith("_") and callable(getattr(g, name))}
    assert set(GUARDS) == declared - {"Facts", "Reason", "Amount", "Listed", "Objective", "Decimal"}


@pytest.mark.parametrize("language", ["fr", "pt"])
@pytest.mark.parametrize("guard", sorted(GUARDS))
def test_every_guard_refusal_is_said_in_french_and_portuguese(guard: str, language: str) -> None:
    reason = getattr(g, guard)(GUARDS[guard])
    assert isinstance(reason, Reason)
    readable(say(reason, language), language)


def test_a_money_value_is_written_as_the_reader_writes_money() -> None:
    reason = g.within_ceiling(GUARDS["within_ceiling"])
    assert spaced(say(reason, "fr")) == "60 000,00 € dépasse le plafond du programme (50 000,00 €)."
    assert spaced(say(reason, "pt")) == "60 000,00 € ultrapassa o limite do programa (50 000,00 €)."
    assert say(reason, "en") == "€60,000.00 is above the programme's ceiling of €50,000.00."
    assert str(reason) == "60,000 EUR is above the programme's ceiling of 50,000 EUR.", "the CLI's English"


def test_an_objective_is_named_in_the_readers_language() -> None:
    reason = g.onboarding_complete(GUARDS["onboarding_complete"])
    assert say(reason, "fr") == "L'intégration n'est pas terminée ; reste à faire : Visite du secrétariat faite."
    assert say(reason, "pt") == "A integração não está concluída; falta: Visita feita."


# --- every sentence exists in every language, with the values its English has ------------------------------------


def keys_in_source() -> dict[str, str]:
    """Every reason key made in states/ and engine/, with its English template."""
    found: dict[str, str] = {}
    for folder in ("states", "engine"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            for key, template in re.findall(r'Reason\(\s*"([a-z_]+)",\s*((?:"[^"]*"\s*)+|[A-Z_]+)', text):
                found[key] = template
    return found


def test_every_reason_made_has_a_french_and_a_portuguese_sentence() -> None:
    keys = set(keys_in_source()) - {"together"}
    assert len(keys) > 60
    for language in ("fr", "pt"):
        assert keys - set(SENTENCES[language]) == set(), language
        assert set(SENTENCES[language]) - keys == set(), f"{language}: sentences no reason uses"


def test_a_translation_uses_only_values_its_reason_carries() -> None:
    for key, english in keys_in_source().items():
        given = {name for _, name, _, _ in string.Formatter().parse(english.replace('"', "")) if name}
        for language in ("en", "fr", "pt"):
            said = SENTENCES[language].get(key)
            if said is not None and "{" in english:
                used = {name for _, name, _, _ in string.Formatter().parse(said) if name}
                assert used <= given | {"name"}, (key, language, used - given)


# --- the engine's refusals, through a real database ----------------------------------------------------------------


def engine_refusals(net: Network) -> list[JalonError]:
    """One of each kind of refusal act() gives, from a walk through Bamako's journey."""
    found = [
        refusal(net, "BKO", "send_contract", SECRETARIAT),  # not in this stage
        refusal(net, "BKO", "pause", LEAD_BKO),  # only the secretariat
        refusal(net, "XYZ", "confirm", LEAD_BKO),  # no such city
        refusal(net, "BKO", "confirm", "nobody@example.org"),  # no such person
        refusal(net, "BKO", "launch", LEAD_BKO),  # no such act
        refusal(net, "BKO", "confirm", LEAD_BKO, colour="red"),  # no such field
        refusal(net, "BKO", "decline", LEAD_BKO),  # a field to fill
        refusal(net, "BKO", "decline", LEAD_BKO, reason="x\u202ey"),  # a hidden character
    ]
    net.walk("BKO", "tick_objective")
    found.append(refusal(net, "BKO", "finish_onboarding", SECRETARIAT))
    found.append(refusal(net, "BKO", "tick_objective", SECRETARIAT, item="nope"))
    net.act("BKO", "tick_objective", SECRETARIAT, item="kickoff_attended")
    found.append(refusal(net, "BKO", "tick_objective", SECRETARIAT, item="kickoff_attended"))
    for key in ONBOARDING[1:]:
        net.act("BKO", "tick_objective", SECRETARIAT, item=key)
    net.act("BKO", "finish_onboarding", SECRETARIAT)
    found.append(refusal(net, "BKO", "submit_plan", LEAD_BKO, **{**PLAN, "budget": "10.000"}))
    found.append(refusal(net, "BKO", "submit_plan", LEAD_BKO, **{**PLAN, "budget": "1,00,000"}))
    found.append(refusal(net, "BKO", "submit_plan", LEAD_BKO, **{**PLAN, "title": "x" * 201}))
    net.act("BKO", "submit_plan", SECRETARIAT, **PLAN)
    found.append(refusal(net, "BKO", "send_to_committee", SECRETARIAT))  # four eyes
    found.append(refusal(net, "BKO", "send_to_committee", COACH_BEN))  # a coach of another city
    net.act("BKO", "send_to_committee", COACH_BKO)
    found.append(refusal(net, "BKO", "approve_grant", SECRETARIAT, amount="50 000,01", currency="EUR"))
    found.append(refusal(net, "BKO", "approve_grant", SECRETARIAT, amount="100", currency="USD"))
    found.append(refusal(net, "BKO", "approve_grant", SECRETARIAT, amount="1000", currency="XOF"))
    found.append(refusal(net, "BKO", "approve_grant", SECRETARIAT, amount="1000,5", currency="XOF"))
    return found


@pytest.mark.parametrize("language", ["fr", "pt"])
def test_every_engine_refusal_is_said_without_english_or_codes(net: Network, language: str) -> None:
    for error in engine_refusals(net):
        assert isinstance(error.reason, Reason), str(error)
        readable(say(error, language), language)


def test_what_a_french_reader_reads(net: Network) -> None:
    said = [spaced(say(e, "fr")) for e in engine_refusals(net)]
    assert said[0].startswith(
        "« Envoyer la convention de subvention » n'est pas possible à l'étape « Sélectionnée ». "
        "Vous pouvez en revanche : « Confirmer l'intérêt et la disponibilité », « Décliner l'invitation »"
    )
    assert said[1].startswith("« Suspendre (échéances gelées) » est réservé au secrétariat.")
    assert said[6] == "Le champ « Motif » est à remplir."
    assert said[8].startswith(
        "L'intégration n'est pas terminée ; reste à faire : Participation à l'événement inaugural, Visite du "
        "Secrétariat effectuée, Participation rendue publique, Attentes définies et Questions de la ville traitées. "
        "Vous pouvez en revanche : « Cocher un objectif d'intégration », "
    )
    assert said[11] == (
        "Budget : « 10.000 » peut se lire de deux façons : écrivez 10 000 pour des milliers, "
        "ou 10,00 pour un montant avec des centimes."
    )
    assert said[16].startswith("50 000,01 € dépasse le plafond du programme (50 000,00 €). Vous pouvez")
    assert said[19] == "Montant : les montants en XOF s'écrivent sans décimales."


def test_the_field_at_fault_is_named_for_the_page(net: Network) -> None:
    by_field = {e.field: e for e in engine_refusals(net) if isinstance(e, InvalidData) and e.field}
    assert set(by_field) >= {"budget", "title", "reason", "colour", "amount"}
    assert say(by_field["title"], "pt") == "Título: tem 201 caracteres; no máximo 200."


def test_alternatives_stay_codes_in_the_error_and_are_acts_when_said(net: Network) -> None:
    error = refusal(net, "BKO", "send_contract", SECRETARIAT)
    assert isinstance(error, Refused) and "confirm" in error.alternatives
    for language in ("fr", "pt"):
        sentence = say(error, language)
        for trigger in error.alternatives:
            assert ACTS[language][trigger] in sentence
    assert "“Confirm interest and availability”" in say(error, "en")
    assert "You may instead: confirm, decline" in str(error), "the CLI's English names what to type"


def test_options_say_why_not_in_the_readers_language(net: Network) -> None:
    net.walk("BKO", "approve_grant")
    with net.sessions() as s:
        judged = {o.trigger: o for o in options(s, find_city(s, "BKO"), find_person(s, COACH_BKO))}
        secretariat = {o.trigger: o for o in options(s, find_city(s, "BKO"), find_person(s, SECRETARIAT))}
    assert judged["approve_grant"].reason == "Only the secretariat may 'approve_grant'."
    assert spaced(say(judged["approve_grant"].reason, "fr")) == (
        "« Enregistrer l'accord du Comité et la subvention » est réservé au secrétariat."
    )
    assert say(judged["confirm"].reason, "pt").startswith("«Confirmar interesse e disponibilidade» não é possível")
    assert say(judged["approve_grant"].reason, "en") == (
        "Only the secretariat may “Record the committee's approval and the grant”."
    )
    assert secretariat["pause"].allowed and say(secretariat["pause"].reason, "fr") == "", "allowed: no reason"


def test_a_conflict_is_said_without_version_numbers(net: Network) -> None:
    with pytest.raises(Conflict) as raised:
        act(net.sessions, "BKO", "confirm", LEAD_BKO, at=net.tick(), expected_version=99)
    assert say(raised.value, "fr") == "Bamako a changé pendant que vous décidiez ; regardez à nouveau et recommencez."


def test_an_objective_is_ticked_by_its_label_in_any_language(net: Network) -> None:
    net.walk("BKO", "tick_objective")
    net.act("BKO", "tick_objective", LEAD_BKO, item="visite du secretariat EFFECTUEE")  # no accents, any case
    net.act("BKO", "tick_objective", LEAD_BKO, item="Participação no evento de lançamento")
    net.act("BKO", "tick_objective", LEAD_BKO, item="participation_public")
    error = refusal(net, "BKO", "tick_objective", LEAD_BKO, item="Visite du Secrétariat effectuée")
    assert spaced(say(error, "fr")).startswith("L'objectif « Visite du Secrétariat effectuée » est déjà coché.")
    error = refusal(net, "BKO", "finish_onboarding", SECRETARIAT)
    assert say(error, "pt").startswith(
        "A integração não está concluída; falta: Expectativas definidas e Perguntas respondidas."
    )


def test_amounts_are_read_as_the_actor_writes_them(net: Network) -> None:
    net.walk("BKO", "approve_grant")
    english = refusal(net, "BKO", "approve_grant", SECRETARIAT_2, amount="60,000", currency="EUR")  # Tom reads English
    assert say(english, "en").startswith("€60,000.00 is above the programme's ceiling of €50,000.00. You may instead")
    french = refusal(net, "BKO", "approve_grant", SECRETARIAT, amount="60,000", currency="EUR")  # Claire, French
    assert isinstance(french, InvalidData) and french.field == "amount"
    net.act("BKO", "approve_grant", SECRETARIAT, amount="40 000,00 €", currency="EUR")


# --- what is not ours is said in general terms, never as a traceback -------------------------------------------


@pytest.mark.parametrize("language", ["fr", "pt", "en"])
def test_a_foreign_error_is_a_plain_sentence(language: str) -> None:
    sentence = say(KeyError("approve_grant"), language)
    assert "approve_grant" not in sentence and "Traceback" not in sentence and "KeyError" not in sentence
    assert sentence.endswith(".")


def test_an_error_of_ours_without_a_reason_is_english_only_in_english() -> None:
    error = NotFound("No such thing.")
    assert say(error, "en") == "No such thing."
    assert say(error, "fr") == GENERIC["fr"] and say(error, "pt") == GENERIC["pt"]


def test_a_language_jalon_does_not_write_is_said_in_english() -> None:
    reason = Reason("no_zone", "The time given has no time zone; Jalon stores and compares UTC.")
    assert say(reason, "de") == say(reason, "en"), "a language Jalon does not write falls back to English"
    assert say(None, "fr") == ""


# --- the fields' labels -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "pt"])
def test_every_field_has_a_label_in_french_and_portuguese(language: str) -> None:
    for t in CITY_JOURNEY.transitions:
        for f in t.needs:
            assert f.label in FIELDS[language], (t.trigger, f.name)
            said = field_label(f.name, f.label, language)
            assert "_" not in said and not ENGLISH.findall(said), said
    assert (
        field_label("summary", "Summary of results and learning", "fr") == "Synthèse des résultats et des enseignements"
    )
    assert field_label("days", "Business days to add", "pt") == "Dias úteis a acrescentar"
    assert field_label("x", "Something new", "fr") == "Something new", "a label not yet translated stays English"
