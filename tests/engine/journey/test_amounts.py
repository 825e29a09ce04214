"""Amounts as people type them: read back as they meant them, or refused with how to write them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency, format_decimal
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import InvalidData
from engine.journey.fields import parse_data, read_amount
from notifications.reasons import say
from notifications.render import money
from states import CITY_JOURNEY

ACCEPTED = {
    "10 000,50": "10000.50",
    "10\u00a0000,50": "10000.50",
    "10\u202f000,50": "10000.50",
    "10.000,50": "10000.50",
    "10,000.50": "10000.50",
    "35 000": "35000",
    "35000": "35000",
    "1 234 567": "1234567",
    "1.234.567": "1234567",
    "10000,5": "10000.5",
    "10000.50": "10000.50",
    "0,50": "0.50",
    "10 000,50 €": "10000.50",
    "€ 10 000,50": "10000.50",
    "EUR 10000": "10000",
    "10000 eur": "10000",
    "  42  ": "42",
}


@pytest.mark.parametrize("language", ["fr", "pt", "en"])
@pytest.mark.parametrize("typed", ACCEPTED)
def test_what_people_type_is_read_in_every_language(typed: str, language: str) -> None:
    assert read_amount(typed, language, "EUR") == Decimal(ACCEPTED[typed])


def test_a_comma_before_three_digits_is_a_thousands_mark_for_english_readers_only() -> None:
    assert read_amount("10,000", "en") == Decimal(10000)
    assert read_amount("10.000", "de") == Decimal(10000), "a German reader groups with a dot"
    for language in ("fr", "pt"):
        for typed in ("10,000", "10.000"):
            with pytest.raises(ValueError, match="can be read two ways"):
                read_amount(typed, language)
    with pytest.raises(ValueError, match="can be read two ways"):
        read_amount("10.000", "en")


REFUSED = {
    "1,00,000": "group the digits by three",
    "1 00": "group the digits by three",
    "1.000,000.5": "group the digits by three",
    "10,555.5": None,  # fine: both marks, the last one is decimal
    "10,5555": "more than two decimals",
    "10 000,505": "more than two decimals",
    "-5": "negative",
    "\u22125": "negative",
    "(5)": "negative",
    "0": "zero",
    "0,00": "zero",
    "abc": "not an amount",
    "1e3": "not an amount",
    "10k": "not an amount",
    "10,": "not an amount",
    "$100": "written in USD, but the currency given is EUR",
    "9" * 41: "too long for an amount",
}


@pytest.mark.parametrize("typed", REFUSED)
def test_what_cannot_be_right_is_refused_with_how_to_write_it(typed: str) -> None:
    expected = REFUSED[typed]
    if expected is None:
        assert read_amount(typed, "fr", "EUR") == Decimal(typed.replace(",", ""))
        return
    with pytest.raises(ValueError, match=expected) as raised:
        read_amount(typed, "fr", "EUR")
    assert say(raised.value.args[0], "fr") and "_" not in say(raised.value.args[0], "fr")


def test_a_refused_amount_names_its_field_and_says_how_to_write_it_in_french() -> None:
    sign = CITY_JOURNEY.transition("approve_grant")
    with pytest.raises(InvalidData) as raised:
        parse_data(sign, {"amount": "10.000", "currency": "EUR"}, "fr")
    assert raised.value.field == "amount"
    said = say(raised.value, "fr").replace("\u202f", " ").replace("\xa0", " ")
    assert said == (
        "Montant : « 10.000 » peut se lire de deux façons : écrivez 10 000 pour des milliers, "
        "ou 10,00 pour un montant avec des centimes."
    )
    assert say(raised.value, "pt").replace("\xa0", " ").startswith("Montante: «10.000» pode ler-se de duas formas")


def test_the_sign_of_the_given_currency_is_accepted_in_any_locale_and_another_is_refused() -> None:
    assert read_amount("CA$ 100", "fr", "CAD") == read_amount("100 $CA", "en", "CAD") == Decimal(100)
    assert read_amount("22 957 495 FCFA", "fr", "XAF") == Decimal(22957495)
    with pytest.raises(ValueError, match="written in EUR, but the currency given is CAD"):
        read_amount("€100", "fr", "CAD")


def test_floats_are_refused_as_before() -> None:
    with pytest.raises(InvalidData, match="never float"):
        parse_data(CITY_JOURNEY.transition("approve_grant"), {"amount": 1.5, "currency": "EUR"})


def test_a_decimal_given_by_a_program_must_be_more_than_zero() -> None:
    sign = CITY_JOURNEY.transition("approve_grant")
    assert parse_data(sign, {"amount": Decimal("12.5"), "currency": "EUR"})["amount"] == Decimal("12.5")
    with pytest.raises(InvalidData, match="more than zero"):
        parse_data(sign, {"amount": Decimal(0), "currency": "EUR"})


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999999.99"), places=2)
LOCALES = {"fr": "fr", "en": "en", "pt": "pt_PT"}


@given(amounts, st.sampled_from(sorted(LOCALES)))
def test_a_number_babel_writes_is_read_back_the_same(value: Decimal, language: str) -> None:
    written = format_decimal(value, format="#,##0.00", locale=LOCALES[language])
    assert read_amount(written, language) == value


@given(amounts, st.sampled_from(sorted(LOCALES)), st.sampled_from(["EUR", "USD", "MZN", "GHS"]))
def test_money_babel_writes_is_read_back_the_same(value: Decimal, language: str, currency: str) -> None:
    written = format_currency(value, currency, locale=LOCALES[language])
    assert read_amount(written, language, currency) == value
    assert read_amount(money(value, currency, language), language, currency) == value


@given(st.integers(min_value=1, max_value=10**15), st.sampled_from(sorted(LOCALES)))
def test_whole_francs_jalon_writes_are_read_back(value: int, language: str) -> None:
    written = money(value, "XOF", language)
    assert read_amount(written, language, "XOF") == value
