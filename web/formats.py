"""Dates, times, money and country names as the reader writes them: Babel in the page's locale, the reader's zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import get_currency_name

from models.money import Money
from models.programme import countries as known_countries
from notifications.render import MONEY_LOCALES, utc_offset
from notifications.render import money as shared_money

PSEUDO = frozenset({"XA", "XB"})  # Babel's pseudo-locales ("pseudo-accents"), not countries


def day(value: date | datetime, lang: str, zone: str = "UTC") -> str:
    """A date as the reader writes it ("5 janv. 2026"); a moment's date in the reader's zone."""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(zone)).date()
    return format_date(value, "medium", locale=lang)


def moment(value: datetime, lang: str, zone: str) -> str:
    """A moment in the reader's zone, to the minute, with its offset so nobody guesses ("5 janv. 2026, 09:00 UTC+1")."""
    local = value.astimezone(ZoneInfo(zone))
    when = format_date(local.date(), "medium", locale=lang)
    return f"{when}, {format_time(local, 'HH:mm', locale=lang)} ({utc_offset(local)})"


def money(amount: Money, lang: str) -> str:
    """An amount with its currency in the reader's locale: the messages' rule, so a page and a mail agree."""
    return shared_money(amount.amount, amount.currency, lang)


def currency_name(code: str, lang: str) -> str:
    """A currency as a choice reads: "EUR — euro"."""
    return f"{code} — {get_currency_name(code, locale=MONEY_LOCALES.get(lang, lang))}"


def country_name(code: str, lang: str) -> str:
    """A country by name in the reader's language (the board filters by it), its code if Babel does not know it."""
    return str(Locale.parse(lang).territories.get(code, code))


def countries(lang: str) -> list[tuple[str, str]]:
    """Every country a city may be in (the programme file's list), as (code, name), by name."""
    names = Locale.parse(lang).territories
    known = (c for c in known_countries() if c not in PSEUDO)
    return sorted(((c, str(names.get(c, c))) for c in known), key=lambda pair: pair[1].casefold())
