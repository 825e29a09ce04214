"""Turns the values a person gives with a trigger into typed ones, using the transition's field list."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_precision

from engine.errors import InvalidData
from engine.journey.amounts import exact_amount
from engine.journey.amounts import read_amount as read_amount
from models.money import LARGEST_MINOR, MoneyError, check_currency, currencies
from models.programme import HIDDEN, Definition, countries, languages, timezones
from states import FieldDef, FieldKind, TransitionDef
from states.reasons import Act, Amount, Field, Reason

EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[A-Za-z]{2,}$")
NOTE_LENGTH = 4000
"""A note is kept in the history and quoted in emails: as long as a free-text field, no longer."""
FIELD_SAYS = "Field '{name}' ({field}): {reason}."
"""The CLI's English names the key typed after --data; pages say the label only (notifications/sentences.py)."""
LARGEST_DAYS = 366
"""Business days one extension may add: more than a year is a new journey, and dates must stay valid."""


def parse_email(raw: str) -> str:
    """A lower-cased address, or ValueError with the reason."""
    value = raw.strip().lower()
    if len(value) > 254 or not EMAIL.match(value) or HIDDEN.search(value):
        raise ValueError(Reason("not_email", "'{text}' is not an email address", text=raw.strip()[:60]))
    return value


def language_list(text: str) -> list[str]:
    """'fr; en' as ['fr', 'en']: known ISO 639-1 codes, each once, in the order given; ValueError otherwise."""
    codes = list(dict.fromkeys(x.strip().lower() for x in re.split(r"[;, ]+", text) if x.strip()))
    if not codes:
        raise ValueError(Reason("no_languages", "is empty; give one or more codes, e.g. fr;en"))
    for code in codes:
        if code not in languages():
            raise ValueError(Reason("not_language", "'{text}' is not an ISO 639-1 language code", text=code[:20]))
    if len(",".join(codes)) > 64:
        raise ValueError(
            Reason("many_languages", "too many languages ({count}); give the few the city works in", count=len(codes))
        )
    return codes


def as_typed(text: str) -> str:
    """Text as a person typed it, whatever sent it: browsers send CRLF, old Macs CR; kept as LF, trimmed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _parse(f: FieldDef, raw: object, lang: str, currency: str | None) -> object:
    """One value of the field's kind; ValueError carries the reason."""
    kind = f.kind
    if kind is FieldKind.DECIMAL:
        if isinstance(raw, float):
            raise ValueError(Reason("float", "amounts must be given as text or Decimal, never float"))
        return exact_amount(raw) if isinstance(raw, (Decimal, int)) else read_amount(str(raw), lang, currency)
    if not isinstance(raw, (str, int, Decimal, date)):
        raise ValueError(Reason("not_text", "must be typed text, not a file or a list"))
    text = as_typed(str(raw))
    if kind is FieldKind.CURRENCY:
        return _currency(text)
    if kind is FieldKind.INTEGER:
        if not re.fullmatch(r"[0-9]{1,6}", text) or int(text) == 0:
            raise ValueError(Reason("not_whole", "'{text}' is not a positive whole number", text=text[:20]))
        if f.name == "days" and int(text) > LARGEST_DAYS:
            raise ValueError(
                Reason(
                    "many_days",
                    "{days} business days is too many; at most {most} at a time",
                    days=int(text),
                    most=LARGEST_DAYS,
                )
            )
        return int(text)
    if kind is FieldKind.PERSON:
        return parse_email(text)
    if kind is FieldKind.DATE:
        return raw if isinstance(raw, date) else _date(text)
    if kind is FieldKind.COUNTRY:
        if text.upper() not in countries():
            raise ValueError(
                Reason("not_country", "'{text}' is not an ISO 3166 country code (e.g. ML, FR)", text=text[:20])
            )
        return text.upper()
    if kind is FieldKind.TIMEZONE:
        if text not in timezones():
            raise ValueError(
                Reason("not_zone", "'{text}' is not an IANA time zone (e.g. Africa/Bamako)", text=text[:60])
            )
        return text
    if kind is FieldKind.LANGUAGES:
        return ",".join(language_list(text))
    return _text(f, text)


def _date(text: str) -> date:
    """A date written as 2026-03-31."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(Reason("not_date", "'{text}' is not a date; write it as 2026-03-31", text=text[:20])) from None


def _currency(text: str) -> str:
    """An ISO 4217 code, upper-cased."""
    try:
        return check_currency(text)
    except MoneyError:
        raise ValueError(Reason("not_currency", "'{text}' is not an ISO 4217 currency code", text=text[:20])) from None


def _text(f: FieldDef, text: str) -> str:
    """Free or one-line text: not empty, not too long, nothing hidden."""
    if not text:
        raise ValueError(Reason("empty", "must not be empty"))
    if len(text) > f.max_length:
        raise ValueError(
            Reason("long_text", "is {length} characters long; at most {most}", length=len(text), most=f.max_length)
        )
    if not f.multiline and ("\n" in text or "\t" in text):
        raise ValueError(Reason("one_line", "must be plain text on one line"))
    if HIDDEN.search(text):
        raise ValueError(hidden_reason(text))
    return text


def hidden_reason(text: str) -> Reason:
    """Why text holding a hidden character is refused, naming the first one as U+XXXX."""
    found = HIDDEN.search(text)
    code = f"U+{ord(found.group()):04X}" if found else "?"
    return Reason(
        "hidden",
        "holds a hidden control character ({code}: a terminal escape, a bidi override or bytes that are not UTF-8); "
        "type plain text",
        code=code,
    )


def parse_note(note: str | None) -> str | None:
    """A note as kept in the history (trimmed, None when blank), or InvalidData saying what is wrong."""
    text = as_typed(note or "")
    if len(text) > NOTE_LENGTH:
        raise InvalidData(
            Reason(
                "long_note", "The note is {length} characters long; at most {most}.", length=len(text), most=NOTE_LENGTH
            ),
            "note",
        )
    if HIDDEN.search(text):
        raise InvalidData(Reason("hidden_note", "The note {reason}.", reason=hidden_reason(text)), "note")
    return text or None


def parse_data(transition: TransitionDef, data: Mapping[str, Any], lang: str = "en") -> dict[str, object]:
    """Typed values for transition, or InvalidData naming the first wrong field and why.

    lang is the language of the person typing: amounts are read as they write them (see read_amount).
    """
    known = {f.name: f for f in transition.needs}
    unknown = sorted(set(data) - set(known))
    if unknown:
        names = ", ".join(known) or "none"
        act = Act(transition.trigger, transition.label)
        raise InvalidData(
            Reason(
                "unknown_field",
                "'{name}' is not a field of {act} (its fields: {names}).",
                name=unknown[0],
                act=act,
                names=names,
            ),
            unknown[0],
        )
    parsed: dict[str, object] = {}
    currency = _given_currency(data)
    for f in transition.needs:
        raw = data.get(f.name)
        field = Field(f.name, f.label)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if f.required:
                act = Act(transition.trigger, transition.label)
                raise InvalidData(
                    Reason("missing", "{act} needs '{name}' ({field}).", act=act, name=f.name, field=field), f.name
                )
            continue
        try:
            parsed[f.name] = _parse(f, raw, lang, currency)
        except (ValueError, MoneyError) as exc:
            why = (
                exc.args[0]
                if exc.args and isinstance(exc.args[0], Reason)
                else Reason("bad_value", "{text}", text=str(exc))
            )
            raise InvalidData(Reason("in_field", FIELD_SAYS, name=f.name, field=field, reason=why), f.name) from None
    _fits_currency(parsed, {f.name: Field(f.name, f.label) for f in transition.needs})
    return parsed


def _given_currency(data: Mapping[str, Any]) -> str | None:
    """The currency the form names, if it is one, so an amount typed with its sign can be checked against it."""
    code = str(data.get("currency") or "").strip().upper()
    return code if code in currencies() else None


def _fits_currency(parsed: Mapping[str, object], fields: Mapping[str, Field]) -> None:
    """An amount has no more decimals than its currency has, and fits the database's integer of minor units."""
    name = "amount" if "amount" in parsed else "budget"
    amount, currency = parsed.get(name), parsed.get("currency")
    if not isinstance(amount, Decimal) or not isinstance(currency, str):
        return
    places = get_currency_precision(currency)
    why: Reason | None = None
    if amount.scaleb(places) > LARGEST_MINOR:
        largest = Amount(Decimal(LARGEST_MINOR).scaleb(-places), currency)
        why = Reason(
            "too_large",
            "{amount} is more than Jalon can hold (at most {largest})",
            amount=Amount(amount, currency),
            largest=largest,
        )
    elif amount != amount.quantize(Decimal(1).scaleb(-places)):
        if places == 0:
            why = Reason("whole_currency", "{currency} amounts are whole numbers, without decimals", currency=currency)
        else:
            why = Reason(
                "currency_places",
                "{currency} amounts have at most {places} decimal places",
                currency=currency,
                places=places,
            )
    if why is not None:
        raise InvalidData(Reason("in_field", FIELD_SAYS, name=name, field=fields[name], reason=why), name)


def objective_key(values: dict[str, object], definition: Definition) -> dict[str, object]:
    """The objective named by its key or by its label in any language (any case, any accents), as its key."""
    item = values.get("item")
    if not isinstance(item, str):
        return values
    wanted = _folded(item)
    for objective in definition.onboarding:
        if wanted in {_folded(objective.key), *(_folded(label) for label in objective.label.values())}:
            return {**values, "item": objective.key}
    return values


def _folded(text: str) -> str:
    """Text compared as people mean it: no case, no accents, single spaces."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def reader_language(person: object, definition: Definition) -> str:
    """The language a person types in: their own, else the programme's first, else English."""
    return str(getattr(person, "language", None) or (definition.languages[0] if definition.languages else "en"))


def to_json(data: Mapping[str, object]) -> dict[str, Any]:
    """The same values as JSON-safe text, for the audit trail and the hash that seals it."""
    return {k: v if isinstance(v, (str, int, bool)) or v is None else str(v) for k, v in data.items()}
