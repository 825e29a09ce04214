"""The programme file (YAML): its schema, and errors that point at the line a person must fix."""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from datetime import datetime, time
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

import yaml
from babel import Locale
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import BadInput, Problem
from models import Programme, ProgrammeVersion
from models.db import writing
from models.money import Money, MoneyError, check_currency
from states import CITY_JOURNEY

UNSAFE = re.compile(r"[<>\x00-\x1f\x7f]")


class At(ValueError):
    """A refusal about one part of the value checked; where (a list index, a key) extends its location."""

    def __init__(self, message: str, *where: int | str) -> None:
        super().__init__(message)
        self.where = where


@cache
def languages() -> frozenset[str]:
    """Two-letter ISO 639-1 language codes Babel knows."""
    return frozenset(str(c) for c in Locale("en").languages if isinstance(c, str) and len(c) == 2)


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


Audience = Literal["city", "coach", "secretariat", "finance", "mayor"]


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
    reminder_hour: time = time(9, 0)  # reminders arrive at this local hour of the reader
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

    @field_validator("stages")
    @classmethod
    def _stages(cls, v: dict[str, Timing]) -> dict[str, Timing]:
        for name in v:
            if name not in {s.name for s in CITY_JOURNEY.states}:
                raise At(f"'{name}' is not a stage of the journey", name)
        return v

    @field_validator("onboarding")
    @classmethod
    def _unique(cls, v: list[Objective]) -> list[Objective]:
        keys = [o.key for o in v]
        for i, k in enumerate(keys):
            if k in keys[:i]:
                raise At(f"objective '{k}' is listed twice", i, "key")
        return v


def _line_of(root: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The line of the YAML node at loc (or of its nearest parent that exists); a mapping entry is on its key's line."""
    node, line = root, (root.start_mark.line + 1 if root else None)
    for part in loc:
        entry: tuple[yaml.Node, yaml.Node] | None = None
        if isinstance(node, yaml.MappingNode):
            entry = next(((k, v) for k, v in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            entry = (node.value[part], node.value[part])
        if entry is None:
            break
        line, node = entry[0].start_mark.line + 1, entry[1]
    return line


def _duplicate_keys(node: yaml.Node | None, file: str) -> list[Problem]:
    """PyYAML keeps the last of two equal keys; a person meant one of them, so say so."""
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for k, v in node.value:
            if k.value in seen:
                problems.append(Problem(file, k.start_mark.line + 1, str(k.value), "this key appears twice"))
            seen.add(k.value)
            problems += _duplicate_keys(v, file)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            problems += _duplicate_keys(v, file)
    return problems


def parse(path: Path) -> ProgrammeFile:
    """A validated programme file, or BadInput listing every problem with its line and field."""
    file = str(path)
    try:
        data = path.read_bytes().removeprefix(codecs.BOM_UTF8)
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise BadInput([Problem(file, None, None, "no such file")]) from None
    except OSError as exc:
        raise BadInput([Problem(file, None, None, f"cannot be read ({exc.strerror or type(exc).__name__})")]) from None
    except UnicodeDecodeError as exc:
        bad_line = data[: exc.start].count(b"\n") + 1
        raise BadInput([Problem(file, bad_line, None, "not UTF-8 text; save the file as UTF-8")]) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise BadInput([Problem(file, line, None, f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    if not isinstance(raw, dict):
        raise BadInput(
            [
                Problem(
                    file,
                    1 if raw is not None else None,
                    None,
                    "expected a mapping of programme settings",
                )
            ]
        )
    problems = _duplicate_keys(root, file)
    try:
        parsed = ProgrammeFile.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            at = err.get("ctx", {}).get("error")
            loc = tuple(p for p in err["loc"] if p != "[key]") + (at.where if isinstance(at, At) else ())
            field = ".".join(str(p) for p in loc) or None
            message = re.sub(r"^Value error, ", "", err["msg"])
            if err["type"] == "missing":
                message = "is required but missing"
            elif err["type"] == "extra_forbidden":
                message = "is not a known setting (check the spelling)"
            problems.append(Problem(file, _line_of(root, loc), field, message))
    if problems:
        raise BadInput(problems)
    return parsed


def load(sessions: sessionmaker[Session], path: Path, *, at: datetime) -> tuple[str, int, bool]:
    """Store the file as the programme's next version if it changed: (code, version, whether new)."""
    parsed = parse(path)
    definition = parsed.model_dump(mode="json")
    definition["lifecycle"] = CITY_JOURNEY.version
    digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()
    with sessions.begin() as s:
        writing(s)
        programme = s.scalar(select(Programme).where(Programme.code == parsed.code))
        if programme is None:
            programme = Programme(code=parsed.code, name=parsed.name, created_at=at)
            s.add(programme)
            s.flush()
        programme.name = parsed.name
        latest = s.execute(
            select(ProgrammeVersion.number, ProgrammeVersion.digest)
            .where(ProgrammeVersion.programme_id == programme.id)
            .order_by(ProgrammeVersion.number.desc())
            .limit(1)
        ).first()
        if latest is not None and latest.digest == digest:
            return parsed.code, latest.number, False
        number = (latest.number if latest else 0) + 1
        s.add(
            ProgrammeVersion(
                programme_id=programme.id,
                number=number,
                digest=digest,
                definition=definition,
                loaded_at=at,
            )
        )
    return parsed.code, number, True


def latest_version(s: Session, programme_id: int) -> ProgrammeVersion | None:
    """The newest definition, the one cities joining now are pinned to."""
    newest = select(func.max(ProgrammeVersion.number)).where(ProgrammeVersion.programme_id == programme_id)
    return s.scalar(
        select(ProgrammeVersion).where(
            ProgrammeVersion.programme_id == programme_id,
            ProgrammeVersion.number == newest.scalar_subquery(),
        )
    )
