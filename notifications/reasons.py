"""Every refusal in the reader's language: the sentences, and say(), which pages and messages call.

A reason (states/reasons.py) arrives with its key and typed values; this module never imports states or
engine, so it reads them by shape. One rule for names: every name a sentence needs travels inside the
reason (an act with its English label, an objective with its labels by language), never looked up here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

from notifications.render import MONEY_LOCALES, money
from notifications.sentences import FIELDS, SENTENCES, WHO
from notifications.words import LANGUAGES, ROLES, STAGES, act_name

GENERIC = {
    "en": "That could not be done. Nothing was changed; try again, or ask the secretariat.",
    "fr": "Cela n'a pas pu être fait. Rien n'a été modifié ; réessayez ou demandez au secrétariat.",
    "pt": "Não foi possível fazê-lo. Nada foi alterado; tente de novo ou pergunte ao secretariado.",
}
INSTEAD = {
    "en": "You may instead: {acts}.",
    "fr": "Vous pouvez en revanche : {acts}.",
    "pt": "Em vez disso, pode: {acts}.",
}
QUOTES = {"en": "“{}”", "fr": "«\u00a0{}\u00a0»", "pt": "«{}»"}
AND = {"en": "and", "fr": "et", "pt": "e"}
OR = {"en": "or", "fr": "ou", "pt": "ou"}


def _is_reason(what: object) -> bool:
    """A reason from states/reasons.py, recognised by shape (this module imports nothing of states)."""
    return isinstance(what, str) and isinstance(getattr(what, "key", None), str) and hasattr(what, "params")


def say(what: BaseException | str | None, lang: str) -> str:
    """The sentence a person reads, in their language; never a trigger code, a key or a traceback."""
    lang = lang if lang in LANGUAGES else "en"
    if what is None or what == "":
        return ""
    if isinstance(what, BaseException):
        return _error(what, lang)
    if _is_reason(what):
        return _said(what, lang) or GENERIC[lang]
    return what if lang == "en" and what else GENERIC[lang]


def _error(exc: BaseException, lang: str) -> str:
    """An error of ours said from its reason and the acts it offers instead; anything else, the generic sentence."""
    reason = getattr(exc, "reason", None)
    if _is_reason(reason):
        sentence = _said(reason, lang) or GENERIC[lang]
    elif lang == "en" and hasattr(exc, "exit_code"):  # an error of ours still written in English only
        sentence = str(getattr(exc, "sentence", exc))
    else:
        return GENERIC[lang]
    instead = getattr(exc, "instead", ())
    if instead:
        acts = _join([_value(a, lang) for a in instead], lang, either=True)
        sentence += " " + INSTEAD[lang].format(acts=acts)
    return sentence


def _said(reason: Any, lang: str) -> str:
    """One reason in lang: its sentence there (English: its own, unless pages say it without the CLI's codes)."""
    if reason.key == "together":  # several guards' reasons, each in its own words
        return " ".join(filter(None, (_said(r, lang) for r in reason.params.values())))
    template = SENTENCES[lang].get(reason.key) or (reason.template if lang == "en" else None)
    if template is None:
        return ""
    try:
        return str(template.format(**{k: _value(v, lang) for k, v in reason.params.items()}))
    except (KeyError, IndexError):
        return ""


def _value(value: Any, lang: str) -> str:
    """One value of a reason as the reader reads it."""
    if _is_reason(value):
        return _said(value, lang)
    match getattr(value, "kind", None):
        case "act":
            return QUOTES[lang].format(act_name(value.trigger, value.label, lang))
        case "stage":
            return str(STAGES[lang].get(value.code, value.label))
        case "figure":
            places = "." + "0" * value.places if value.places else ""
            return format_decimal(value.value, format=f"#,##0{places}", locale=MONEY_LOCALES.get(lang, lang))
        case "amount":
            return money(value.value, value.currency, lang)
        case "objective":
            return _label(value.labels, lang) or value.key
        case "field":
            return field_label(value.name, value.label, lang)
        case "who":
            return _join([WHO[lang].get(str(r), ROLES[lang].get(str(r), "")) for r in value.roles], lang, either=True)
        case "role":
            return ROLES[lang].get(str(value.role), "")
        case "listed":
            return _join([_value(v, lang) for v in value.items], lang, value.either)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, Decimal)):
        return format_decimal(value, locale=MONEY_LOCALES.get(lang, lang))
    if isinstance(value, date):
        return format_date(value, "long", locale=lang)
    return str(value)


def _label(labels: Mapping[str, str], lang: str) -> str:
    """A label given in several languages: the reader's, else English, else the first given."""
    return labels.get(lang) or labels.get("en") or next(iter(labels.values()), "")


def _join(words: list[str], lang: str, either: bool = False) -> str:
    """'a, b et c' or 'a, b ou c', with the language's own conjunction."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {(OR if either else AND)[lang]} " + words[-1]


def field_label(name: str, english: str, lang: str) -> str:
    """A transition field's label in the reader's language (the lifecycle's English label otherwise)."""
    said = FIELDS.get(lang, {})
    return said.get(english) or said.get(name.replace("_", " ").capitalize()) or english
