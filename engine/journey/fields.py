"""Turns the values a person gives with a trigger into typed ones, using the transition's field list."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from engine.errors import InvalidData
from models.money import Money, MoneyError, check_currency, parse_amount
from models.programme import countries, languages, timezones
from states import FieldDef, FieldKind, TransitionDef

EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[A-Za-z]{2,}$")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # tab and newline aside


def parse_email(raw: str) -> str:
    """A lower-cased address, or ValueError with the reason."""
    value = raw.strip().lower()
    if len(value) > 254 or not EMAIL.match(value):
        raise ValueError(f"'{raw}' is not an email address")
    return value


def language_list(text: str) -> list[str]:
    """'fr; en' as ['fr', 'en']: known ISO 639-1 codes, each once, in the order given; ValueError otherwise."""
    codes = list(dict.fromkeys(x.strip().lower() for x in re.split(r"[;, ]+", text) if x.strip()))
    if not codes:
        raise ValueError("is empty; give one or more codes, e.g. fr;en")
    for code in codes:
        if code not in languages():
            raise ValueError(f"'{code}' is not an ISO 639-1 language code")
    if len(",".join(codes)) > 64:
        raise ValueError(f"too many languages ({len(codes)}); give the few the city works in")
    return codes


def _parse(f: FieldDef, raw: object) -> object:
    """One value of the field's kind; ValueError carries the reason."""
    kind = f.kind
    if kind is FieldKind.DECIMAL:
        if isinstance(raw, float):
            raise ValueError("amounts must be given as text or Decimal, never float")
        return parse_amount(str(raw))
    text = str(raw).strip()
    if kind is FieldKind.CURRENCY:
        return check_currency(text)
    if kind is FieldKind.INTEGER:
        if not re.fullmatch(r"\d{1,6}", text) or int(text) == 0:
            raise ValueError(f"'{text}' is not a positive whole number")
        return int(text)
    if kind is FieldKind.PERSON:
        return parse_email(text)
    if kind is FieldKind.DATE:
        return raw if isinstance(raw, date) else date.fromisoformat(text)
    if kind is FieldKind.COUNTRY:
        if text.upper() not in countries():
            raise ValueError(f"'{text}' is not an ISO 3166 country code (e.g. ML, FR)")
        return text.upper()
    if kind is FieldKind.TIMEZONE:
        if text not in timezones():
            raise ValueError(f"'{text}' is not an IANA time zone (e.g. Africa/Bamako)")
        return text
    if kind is FieldKind.LANGUAGES:
        return ",".join(language_list(text))
    if not text:
        raise ValueError("must not be empty")
    if len(text) > f.max_length:
        raise ValueError(f"is {len(text)} characters long; at most {f.max_length}")
    if CONTROL.search(text) or (not f.multiline and ("\n" in text or "\t" in text)):
        raise ValueError("must be plain text on one line" if not f.multiline else "holds control characters")
    return text


def parse_data(transition: TransitionDef, data: Mapping[str, Any]) -> dict[str, object]:
    """Typed values for transition, or InvalidData naming the first wrong field and why."""
    known = {f.name: f for f in transition.needs}
    unknown = sorted(set(data) - set(known))
    if unknown:
        names = ", ".join(known) or "none"
        raise InvalidData(f"'{unknown[0]}' is not a field of {transition.trigger} (its fields: {names}).")
    parsed: dict[str, object] = {}
    for f in transition.needs:
        raw = data.get(f.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if f.required:
                raise InvalidData(f"{transition.trigger} needs '{f.name}' ({f.label}).")
            continue
        try:
            parsed[f.name] = _parse(f, raw)
        except (ValueError, MoneyError) as exc:
            raise InvalidData(f"Field '{f.name}' ({f.label}): {exc}.") from None
    money_field = "amount" if "amount" in parsed else "budget"
    amount, currency = parsed.get(money_field), parsed.get("currency")
    if isinstance(amount, Decimal) and isinstance(currency, str):
        try:
            Money.of(amount, currency)
        except MoneyError as exc:
            raise InvalidData(f"Field '{money_field}': {exc}.") from None
    return parsed


def to_json(data: Mapping[str, object]) -> dict[str, Any]:
    """The same values as JSON-safe text, for the audit trail and the hash that seals it."""
    return {k: v if isinstance(v, (str, int, bool)) or v is None else str(v) for k, v in data.items()}
