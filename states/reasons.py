"""Why something cannot happen, as data: a key, its English sentence, and the values each language says its own way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from states.definition import Role


@dataclass(frozen=True)
class Act:
    """An act named in a sentence: the CLI's English shows its trigger (what is typed), pages its name."""

    kind: ClassVar[str] = "act"
    trigger: str
    label: str

    def __str__(self) -> str:
        return f"'{self.trigger}'"


@dataclass(frozen=True)
class Stage:
    """A stage of the journey named in a sentence."""

    kind: ClassVar[str] = "stage"
    code: str
    label: str

    def __str__(self) -> str:
        return self.label.lower()


@dataclass(frozen=True)
class Amount:
    """Money named in a sentence, written in the reader's locale."""

    kind: ClassVar[str] = "amount"
    value: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.value:,} {self.currency}"


@dataclass(frozen=True)
class Figure:
    """A number shown as an example, with its decimals, in the reader's way of writing numbers."""

    kind: ClassVar[str] = "figure"
    value: Decimal
    places: int = 0

    def __str__(self) -> str:
        return f"{self.value:,.{self.places}f}"


@dataclass(frozen=True)
class Objective:
    """An onboarding objective, with the programme's labels by language."""

    kind: ClassVar[str] = "objective"
    key: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.labels.get("en") or next(iter(self.labels.values()), self.key)


@dataclass(frozen=True)
class Field:
    """A form field named in a sentence (its label, never its key)."""

    kind: ClassVar[str] = "field"
    name: str
    label: str

    def __str__(self) -> str:
        return self.label


WHO: dict[Role, str] = {
    Role.SECRETARIAT: "the secretariat",
    Role.FINANCE: "finance",
    Role.COACH: "this city's coach",
    Role.CITY_LEAD: "this city's lead",
    Role.CITY_MEMBER: "this city's team",
    Role.MAYOR: "this city's mayor",
    Role.COMMITTEE_MEMBER: "this city's committee",
    Role.PARTNER: "this city's partners",
}


@dataclass(frozen=True)
class Who:
    """The people who may do something, by role ("the secretariat or this city's coach")."""

    kind: ClassVar[str] = "who"
    roles: tuple[Role, ...]

    def __str__(self) -> str:
        return str(Listed(tuple(WHO[r] for r in self.roles), either=True))


@dataclass(frozen=True)
class RoleName:
    """A role's bare name ("city lead")."""

    kind: ClassVar[str] = "role"
    role: Role

    def __str__(self) -> str:
        return self.role.value.replace("_", " ")


@dataclass(frozen=True)
class Listed:
    """Several values in one sentence: 'a, b and c', or 'a, b or c' when either will do."""

    kind: ClassVar[str] = "listed"
    items: tuple[Any, ...]
    either: bool = False

    def __str__(self) -> str:
        words = [str(i) for i in self.items]
        if len(words) <= 1:
            return "".join(words)
        return ", ".join(words[:-1]) + (" or " if self.either else " and ") + words[-1]


Param = str | int | Decimal | date | Act | Stage | Amount | Figure | Objective | Field | Who | RoleName | Listed
"""What a reason may carry: text as typed (or another reason), numbers, dates, and the named things above."""


class Reason(str):
    """A refusal a person reads: the English sentence itself (so logs and the CLI read as before), plus its key
    and typed values, from which notifications/reasons.py says it in the reader's language."""

    key: str
    template: str
    params: dict[str, Param]

    def __new__(cls, key: str, template: str, /, **params: Param) -> Reason:
        self = super().__new__(cls, template.format(**{k: str(v) for k, v in params.items()}))
        self.key, self.template, self.params = key, template, dict(params)
        return self

    def __getnewargs_ex__(self) -> tuple[tuple[str, str], dict[str, Param]]:
        return (self.key, self.template), self.params


def together(reasons: list[Reason]) -> Reason | None:
    """Several guards' reasons as one (None when there are none), each still said in its own words."""
    if not reasons:
        return None
    if len(reasons) == 1:
        return reasons[0]
    fields = {f"r{i}": r for i, r in enumerate(reasons)}
    return Reason("together", " ".join(f"{{r{i}}}" for i in range(len(reasons))), **fields)
