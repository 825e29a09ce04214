"""Turns the values a person gives with a trigger into typed ones, using the transition's field list."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from engine.errors import InvalidData
from models.money import Money, MoneyError, check_currency, parse_amount
from models.programme import HIDDEN, countries, languages, timezones
from states import FieldDef, FieldKind, TransitionDef

EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[A-Za-z]{2,}$")
NOTE_LENGTH = 4000
"""A note is kept in the history and quoted in emails: as long as a free-text field, no longer."""
LARGEST_DAYS = 366
"""Business days one extension may add: more than a year is a new journey, and dates must stay valid."""


def parse_email(raw: str) -> str:
    """A lower-cased address, or ValueError with the reason."""
    value = raw.strip().lower()
    if len(value) > 254 or not EMAIL.match(value) or HIDDEN.search(value):
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


def as_typed(text: str) -> str:
    """Text as a person typed it, whatever sent it: browsers send CRLF, old Macs CR; kept as LF, trimmed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _parse(f: FieldDef, raw: object) -> object:
    """One value of the field's kind; ValueError carries the reason."""
    kind = f.kind
    if kind is FieldKind.DECIMAL:
        if isinstance(raw, float):
            raise ValueError("amounts must be given as text or Decimal, never float")
        return parse_amount(str(raw))
    if not isinstance(raw, (str, int, Decimal, date)):
        raise ValueError("must be typed text, not a file or a list")
    text = as_typed(str(raw))
    if kind is FieldKind.CURRENCY:
        return check_currency(text)
    if kind is FieldKind.INTEGER:
        if not re.fullmatch(r"\d{1,6}", text) or int(text) == 0:
            raise ValueError(f"'{text[:20]}' is not a positive whole number")
        if f.name == "days" and int(text) > LARGEST_DAYS:
            raise ValueError(f"{text} business days is too many; at most {LARGEST_DAYS} at a time")
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
    if not f.multiline and ("\n" in text or "\t" in text):
        raise ValueError("must be plain text on one line")
    if HIDDEN.search(text):
        raise ValueError(hidden_reason(text))
    return text


def hidden_reason(text: str) -> str:
    """Why text holding a hidden character is refused, naming the first one as U+XXXX."""
    found = HIDDEN.search(text)
    code = f"U+{ord(found.group()):04X}" if found else "?"
    return (
        f"holds a hidden control character ({code}: a terminal escape, a bidi override or bytes that are not UTF-8); "
        "type plain text"
    )


def parse_note(note: str | None) -> str | None:
    """A note as kept in the history (trimmed, None when blank), or InvalidData saying what is wrong."""
    text = as_typed(note or "")
    if len(text) > NOTE_LENGTH:
        raise InvalidData(f"The note is {len(text)} characters long; at most {NOTE_LENGTH}.")
    if HIDDEN.search(text):
        raise InvalidData(f"The note {hidden_reason(text)}.")
    return text or None


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
