"""Amounts read as people type them in their own language: 10 000,50 in Dakar, 10,000.50 in Accra."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

from babel.core import UnknownLocaleError
from babel.numbers import get_currency_symbol, get_group_symbol

from models.money import currencies
from states.reasons import Figure, Reason

LOCALES = {"pt": "pt_PT"}
"""Jalon's Portuguese is Portugal's (and Mozambique's, Cape Verde's): 10 000,50, not Brazil's 10.000,50."""
SPACES = re.compile(r"[ \u00a0\u202f\u2009\u2007]+")
NUMBER = re.compile(r"[0-9]+(?:[ .,][0-9]+)*")
FAMILIAR = ("EUR", "XOF", "XAF", "USD", "GBP", "RWF", "UGX", "GHS", "NGN", "MRU", "MAD", "TND", "MZN", "CVE", "KES")
EXAMPLE = Figure(Decimal("35000.50"), 2)
EXTRA_SIGNS = {"FCFA": "XOF", "CFA": "XOF", "F CFA": "XOF", "US$": "USD"}


def exact_amount(value: Decimal | int) -> Decimal:
    """An amount given as a number by a program (never a float): finite and more than zero."""
    amount = Decimal(value)
    if not amount.is_finite() or amount <= 0:
        raise ValueError(Reason("amount_not_positive", "{text} is not an amount more than zero", text=str(value)))
    return amount


def read_amount(text: str, lang: str, currency: str | None = None) -> Decimal:
    """A positive Decimal from an amount as the reader writes it, or ValueError(Reason) saying how to write it.

    Spaces of any kind (also no-break and narrow no-break) group thousands. With both ',' and '.', the last is the
    decimal mark. One mark alone is the decimal mark, unless exactly three digits follow it: then it is read as
    the group mark only when it is the reader's own (English: '10,000' is ten thousand; German '10.000' too);
    for French and Portuguese readers, who group with spaces, '10.000' and '10,000' are ambiguous and refused.
    Groups are of three digits ('1,00,000' is refused), decimals at most two; negative and zero are refused.
    A currency sign or code may stand before or after the number if it is the currency given (or any, if none).
    """
    raw = text.strip()
    if len(raw) > 40:
        raise ValueError(Reason("amount_long", "is too long for an amount ({length} characters)", length=len(raw)))
    if raw.startswith(("-", "\u2212")) or (raw.startswith("(") and raw.endswith(")")):
        raise ValueError(Reason("amount_negative", "'{text}' is negative; an amount is more than zero", text=raw))
    number = _without_currency(raw, currency).removeprefix("+").strip()
    number = SPACES.sub(" ", number)
    if not NUMBER.fullmatch(number):
        raise ValueError(
            Reason(
                "not_amount", "'{text}' is not an amount; write it in digits, e.g. {example}", text=raw, example=EXAMPLE
            )
        )
    whole, cents = _split(number, raw, lang)
    _check_groups(whole, raw)
    if len(cents) > 2:
        rounded = Decimal(f"{whole.replace(' ', '').replace(',', '').replace('.', '')}.{cents}").quantize(
            Decimal("0.01")
        )
        raise ValueError(
            Reason(
                "amount_decimals",
                "'{text}' has more than two decimals; write at most two, e.g. {example}",
                text=raw,
                example=Figure(rounded, 2),
            )
        )
    value = Decimal(re.sub(r"[ .,]", "", whole) + (f".{cents}" if cents else ""))
    if value == 0:
        raise ValueError(Reason("amount_zero", "'{text}' is zero; an amount is more than zero", text=raw))
    return value


def _split(number: str, raw: str, lang: str) -> tuple[str, str]:
    """The whole part (with its group marks) and the decimals, deciding which mark is the decimal one."""
    marks = [c for c in number if c in ".,"]
    if not marks:
        return number, ""
    if len(set(marks)) == 2:
        mark = marks[-1]
    elif len(marks) > 1:
        return number, ""  # one mark, several times: it groups thousands ('1.000.000')
    else:
        mark = marks[0]
        whole, cents = number.rsplit(mark, 1)
        groupable = len(cents) == 3 and " " not in whole and 1 <= len(whole) <= 3 and not whole.startswith("0")
        if groupable:
            if mark == _group_mark(lang):
                return number, ""
            small = Figure(Decimal(f"{whole}.{cents[:2]}"), 2)
            raise ValueError(
                Reason(
                    "amount_ambiguous",
                    "'{text}' can be read two ways: write {grouped} for thousands, or {small} for an amount with cents",
                    text=raw,
                    grouped=Figure(Decimal(whole + cents), 0),
                    small=small,
                )
            )
    whole, _, cents = number.rpartition(mark)
    if mark in whole:
        raise ValueError(_groups_reason(raw, whole))
    return whole, cents


def _check_groups(whole: str, raw: str) -> None:
    """Group marks, if any, are all alike and cut the digits in threes: 1 234 567, 1.234.567, 1,234,567."""
    marks = set(re.findall(r"[ .,]", whole))
    if not marks:
        return
    groups = re.split(r"[ .,]", whole)
    if len(marks) > 1 or not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
        raise ValueError(_groups_reason(raw, whole))


def _groups_reason(raw: str, whole: str) -> Reason:
    """Digits grouped in a way nobody reads the same (1,00,000)."""
    digits = re.sub(r"[^0-9]", "", whole) or "0"
    return Reason(
        "amount_groups",
        "'{text}': group the digits by three, e.g. {example}",
        text=raw,
        example=Figure(Decimal(digits), 0),
    )


def _group_mark(lang: str) -> str:
    """The reader's own thousands mark (',' in English, '.' in German, a space in French and Portuguese)."""
    try:
        mark = get_group_symbol(LOCALES.get(lang, lang))
    except (ValueError, LookupError, UnknownLocaleError):
        return " "  # a language Babel does not know settles nothing
    return " " if SPACES.fullmatch(mark) else mark


def _without_currency(raw: str, currency: str | None) -> str:
    """The number without a sign or code around it; refused if it names another currency than the one given."""
    found = re.fullmatch(r"([^0-9]*?)\s*([0-9].*[0-9]|[0-9])\s*([^0-9]*)", raw)
    if found is None:
        return raw
    before, number, after = (SPACES.sub(" ", found.group(i)).strip() for i in (1, 2, 3))
    if not before and not after:
        return number
    if before and after:
        return raw  # two signs: not an amount
    sign = (before or after).upper().removeprefix("+").strip()
    if currency is not None and sign in signs_of(currency):
        return number
    written = signs().get(sign)
    if written is None:
        return raw
    if currency is not None and written != currency and not (written, currency) == ("XOF", "XAF"):
        raise ValueError(
            Reason(
                "amount_other_currency",
                "'{text}' is written in {written}, but the currency given is {currency}",
                text=raw,
                written=written,
                currency=currency,
            )
        )
    return number


@cache
def signs_of(currency: str) -> frozenset[str]:
    """The code and the signs readers write for one currency (CA$ and $ for CAD), upper-cased."""
    found = {currency, *(get_currency_symbol(currency, locale) for locale in ("en", "fr", "pt", "pt_PT"))}
    return frozenset(SPACES.sub(" ", sign).upper() for sign in found)


@cache
def signs() -> dict[str, str]:
    """Currency signs and codes people type, upper-cased, with the code each stands for."""
    found = {code: code for code in currencies()}
    for code in FAMILIAR:
        for locale in ("en", "fr", "pt", "pt_PT"):
            found.setdefault(SPACES.sub(" ", get_currency_symbol(code, locale)).upper(), code)
    return found | EXTRA_SIGNS
