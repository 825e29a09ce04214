"""The programme definition as a typed model: the schema of the programme file, its defaults, decoded once per version.

Each default lives here and nowhere else; the engine reads `definition.reports.every_months`, never a dict.
"""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from babel import Locale
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from models.money import Money, MoneyError, check_currency

WORK_STARTS = time(9, 0)
"""When reminders arrive, in the reader's local time, unless the programme says otherwise."""

# Characters a person never means to type and that change what a reader sees: C0 and C1 controls (escape codes),
# bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069: text shown in another order than stored),
# and lone surrogates (what Python makes of bytes that are not UTF-8). Right-to-left letters themselves are fine.
HIDDEN_CHARACTERS = r"\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
HIDDEN = re.compile(f"[{HIDDEN_CHARACTERS}]")
"""Hidden characters in free text (tab and newline aside: multi-line fields allow them)."""
UNSAFE = re.compile(rf"[<>\t\n{HIDDEN_CHARACTERS}]")
"""What one-line names, titles and labels from files refuse: markup, line breaks and every hidden character."""


class At(ValueError):
    """A refusal about one part of the value checked; where (a list index, a key) extends its location."""

    def __init__(self, message: str, *where: int | str) -> None:
        super().__init__(message)
        self.where = where


@cache
def languages() -> frozenset[str]:
    """Two-letter ISO 639-1 language codes Babel knows."""
    return frozenset(str(c) for c in Locale("en").languages if isinstance(c, str) and len(c) == 2)


@cache
def countries() -> frozenset[str]:
    """ISO 3166 alpha-2 codes (Babel's territory list, without regions like '001')."""
    codes = (c for c in Locale("en").territories if isinstance(c, str))
    return frozenset(c for c in codes if len(c) == 2 and c.isalpha() and c not in {"ZZ", "EU", "UN", "EZ", "QO"})


def _language(v: str) -> str:
    """A language code Babel knows, or ValueError."""
    if v not in languages():
        raise ValueError(f"'{v}' is not an ISO 639-1 language code")
    return v


def _plain(v: str) -> str:
    """Text without markup or control characters, or ValueError."""
    if UNSAFE.search(v):
        raise ValueError("contains markup or control characters ('<', '>'); give plain text")
    return v


Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Language = Annotated[str, Field(pattern=r"^[a-z]{2}$"), AfterValidator(_language)]
Label = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_plain)]


class Strict(BaseModel):
    """Unknown keys are refused: a typo must not silently become a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@cache
def timezones() -> frozenset[str]:
    """Every IANA zone name this Python knows, without host aliases such as 'localtime' or 'Factory'."""
    return frozenset(z for z in available_timezones() if "/" in z or z == "UTC")


class Ceiling(Strict):
    """The most a city may be awarded, in one currency."""

    amount: Decimal
    currency: Annotated[str, AfterValidator(lambda v: v.strip().upper())]  # grants are checked against 'EUR'

    @model_validator(mode="after")
    def _money(self) -> Ceiling:
        try:
            check_currency(self.currency)
        except MoneyError as exc:
            raise At(str(exc), "currency") from None
        try:
            Money.of(self.amount, self.currency)
        except MoneyError as exc:
            raise At(str(exc), "amount") from None
        return self


class TrancheRule(Strict):
    """A share of the grant and the output that releases it."""

    name: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_plain)]  # tranches.name is 64 long
    share: int = Field(gt=0, le=100)
    when: Literal["award", "first_report_approved", "final_report_approved"]


class GrantRules(Strict):
    """Ceilings per currency and the tranche schedule every award follows."""

    ceilings: list[Ceiling] = Field(min_length=1)
    tranches: list[TrancheRule] = Field(min_length=1)

    @field_validator("ceilings")
    @classmethod
    def _one_per_currency(cls, v: list[Ceiling]) -> list[Ceiling]:
        seen: set[str] = set()
        for i, c in enumerate(v):
            if c.currency in seen:
                raise At(f"{c.currency} has two ceilings; give one per currency", i, "currency")
            seen.add(c.currency)
        return v

    @field_validator("tranches")
    @classmethod
    def _adds_up(cls, v: list[TrancheRule]) -> list[TrancheRule]:
        total = sum(t.share for t in v)
        if total != 100:
            raise ValueError(f"tranche shares add up to {total}, not 100")
        return v


class Objective(Strict):
    """One onboarding objective, labelled in the programme's languages."""

    key: Key
    label: dict[Language, Label] = Field(min_length=1)


Audience = Literal["city", "coach", "secretariat", "finance", "mayor", "committee"]


class RungRule(Strict):
    """One reminder: business days from the due date (negative: before it), and who is told."""

    business_days: int = Field(ge=-60, le=250)
    to: Audience


STANDARD_LADDER = [
    RungRule(business_days=-5, to="city"),
    RungRule(business_days=0, to="city"),
    RungRule(business_days=5, to="city"),
    RungRule(business_days=10, to="coach"),
    RungRule(business_days=20, to="secretariat"),
    RungRule(business_days=30, to="mayor"),
]


class Timing(Strict):
    """How long a stage is expected to take (business or calendar days) and which ladder chases it."""

    business_days: int | None = Field(default=None, gt=0, le=1000)
    days: int | None = Field(default=None, gt=0, le=2000)
    ladder: Key = "standard"

    @model_validator(mode="after")
    def _one(self) -> Timing:
        if (self.business_days is None) == (self.days is None):
            raise ValueError("give exactly one of business_days or days")
        return self


class Reports(Strict):
    """How often periodic reports fall due while a city experiments."""

    every_months: int = Field(default=3, gt=0, le=24)
    review_business_days: int = Field(default=10, gt=0, le=250)  # the coach's time to approve or send back
    ladder: Key = "standard"


class Alarms(Strict):
    """Journey-wide alarms: the lag ASToN lost 8 months to, and silent cities."""

    selection_to_start_days: int = Field(default=120, gt=0)
    silent_days: int = Field(default=30, gt=0)
    very_late_business_days: int = Field(default=20, gt=0)  # past this, a late deadline is marked very late


class ProgrammeFile(Strict):
    """The whole programme file."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_-]{1,31}$")
    name: Label
    timezone: str
    languages: list[Language] = Field(min_length=1)
    grant: GrantRules
    onboarding: list[Objective] = Field(min_length=1)
    country: str = Field(default="FR", pattern=r"^[A-Z]{2}$")  # the secretariat's holidays
    reminder_hour: time = WORK_STARTS  # reminders arrive at this local hour of the reader
    ladders: dict[Key, list[RungRule]] = Field(default_factory=lambda: {"standard": STANDARD_LADDER})
    stages: dict[str, Timing] = Field(default_factory=dict)
    reports: Reports = Reports()
    alarms: Alarms = Alarms()

    @field_validator("ladders")
    @classmethod
    def _ordered(cls, v: dict[str, list[RungRule]]) -> dict[str, list[RungRule]]:
        for name, rungs in v.items():
            if not rungs:
                raise At("a ladder needs at least one rung", name)
            if [r.business_days for r in rungs] != sorted(r.business_days for r in rungs):
                raise At("rungs must be listed in order, earliest first", name)
        return v

    @model_validator(mode="after")
    def _ladders_exist(self) -> ProgrammeFile:
        if self.reports.ladder not in self.ladders:
            known = ", ".join(sorted(self.ladders))
            raise At(f"there is no ladder '{self.reports.ladder}' (ladders: {known})", "reports", "ladder")
        for stage, timing in self.stages.items():
            if timing.ladder not in self.ladders:
                known = ", ".join(sorted(self.ladders))
                raise At(f"there is no ladder '{timing.ladder}' (ladders: {known})", "stages", stage, "ladder")
        return self

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        if v not in timezones():
            raise ValueError(f"'{v}' is not an IANA time zone (e.g. Europe/Paris)")
        return v

    @field_validator("onboarding")
    @classmethod
    def _unique(cls, v: list[Objective]) -> list[Objective]:
        keys = [o.key for o in v]
        for i, k in enumerate(keys):
            if k in keys[:i]:
                raise At(f"objective '{k}' is listed twice", i, "key")
        return v


class Definition(ProgrammeFile):
    """A stored programme version: the file as loaded, and the lifecycle version it was checked against."""

    lifecycle: str = ""

    def objective_labels(self, language: str = "en") -> dict[str, str]:
        """Onboarding objectives by key, labelled in the language asked for (else English, else any)."""
        return {o.key: label(o.label, language) for o in self.onboarding}

    def ceilings(self) -> dict[str, Decimal]:
        """The most a city may be awarded, per currency."""
        return {c.currency: c.amount for c in self.grant.ceilings}

    def ladder(self, name: str) -> list[RungRule]:
        """The rungs of a named ladder (validation guarantees it exists)."""
        return self.ladders[name]


def label(text: dict[str, str], language: str = "en") -> str:
    """A label in the language asked for, else English, else any."""
    return text.get(language) or text.get("en") or next(iter(text.values()), "")


_DECODED: dict[str, Definition] = {}


def decoded(digest: str, stored: dict[str, Any]) -> Definition:
    """The typed definition of a stored version, decoded once per content digest (a version never changes)."""
    found = _DECODED.get(digest)
    if found is None:
        found = _DECODED[digest] = Definition.model_validate(stored)
    return found
