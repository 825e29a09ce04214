"""The city page's forms: what each act asks for, as inputs a phone fills well, given back as typed when refused."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.views.dossier import Dossier
from notifications.reasons import field_label, say
from states.definition import FieldDef, FieldKind
from web.formats import countries, currency_name
from web.words import UI

# How each kind of value is asked for: a phone shows the right keyboard, a list replaces a code to remember.
INPUTS = {
    FieldKind.DECIMAL: "amount",  # text with a decimal keyboard: "10 000,50" is how people write it
    FieldKind.CURRENCY: "currency",  # one of the programme's currencies
    FieldKind.INTEGER: "number",
    FieldKind.PERSON: "email",
    FieldKind.CHOICE: "checks",  # onboarding objectives, ticked by their labels
    FieldKind.DATE: "date",
    FieldKind.COUNTRY: "country",
}

HINT = re.compile(r"\s*\([^)]*\)\s*$")


@dataclass(frozen=True)
class Input:
    """One field of a form as the page draws it, with what was typed in it and why it was refused, if it was."""

    name: str  # the field's key: posted as f_<name>, never shown
    label: str
    kind: str  # line, text, amount, currency, number, email, person, checks, date, country
    required: bool
    value: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, words) for lists and checkboxes
    ticked: frozenset[str] = frozenset()
    fault: str = ""


@dataclass(frozen=True)
class Typed:
    """What a person sent with an act that was refused, and why: beside its field, or above the form."""

    trigger: str
    values: dict[str, list[str]] = field(default_factory=dict)
    fault: str = ""
    field: str | None = None


def tell(exc: Exception, lang: str) -> str:
    """Why an act was refused, in the reader's language; a refusal that cannot be said still gets a sentence."""
    try:
        return say(exc, lang)
    except Exception:  # a sentence that fails to render must not turn a refusal into a server error
        return UI[lang]["refused_because"]


def objective_words(labels: dict[str, str], lang: str) -> str:
    """An onboarding objective's label in the reader's language, else English, else any."""
    return labels.get(lang) or labels.get("en") or next(iter(labels.values()), "")


def inputs(needs: tuple[FieldDef, ...], file: Dossier, lang: str, typed: Typed | None) -> tuple[Input, ...]:
    """The inputs of one act's form, filled with what was typed if this is the act that was refused."""
    values = typed.values if typed else {}
    made = []
    for f in needs:
        kind = INPUTS.get(f.kind, "text" if f.multiline else "line")
        given = values.get(f.name, [])
        value = given[0] if given else ""
        choices: tuple[tuple[str, str], ...] = ()
        if kind == "currency":
            choices = tuple((c, currency_name(c, lang)) for c in file.currencies)
            plan = file.papers.plan
            value = value or (plan.budget.currency if plan else "") or (file.currencies[0] if file.currencies else "")
        elif kind == "checks":
            choices = tuple((key, objective_words(labels, lang)) for key, labels, done in file.checklist if not done)
        elif kind == "email" and f.name == "coach":  # whom to assign: the network's coaches, by name
            kind, choices = "person", file.coaches
        elif kind == "country":
            choices = tuple(countries(lang))
        fault = typed.fault if typed and typed.field == f.name else ""
        label = field_label(f.name, f.label, lang)
        if choices:  # chosen from a list of names: the code hint in the label ("ISO 4217, e.g. EUR") says nothing
            label = HINT.sub("", label)
        made.append(Input(f.name, label, kind, f.required, value, choices, frozenset(given), fault))
    return tuple(made)


def fault_above(typed: Typed | None, shown: tuple[Input, ...]) -> str:
    """The reason a refused act shows above its form: when no field of it is at fault."""
    if typed is None or not typed.fault:
        return ""
    return "" if any(i.fault for i in shown) else typed.fault
