"""The vocabulary every lifecycle is written in: states, transitions, roles, fields, guards."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from states.reasons import Reason


class Role(StrEnum):
    """Who a person is in the network; city roles only count for their own city."""

    SECRETARIAT = "secretariat"
    FINANCE = "finance"
    COACH = "coach"
    CITY_LEAD = "city_lead"
    CITY_MEMBER = "city_member"
    MAYOR = "mayor"
    COMMITTEE_MEMBER = "committee_member"
    PARTNER = "partner"


GLOBAL_ROLES: Final = frozenset({Role.SECRETARIAT, Role.FINANCE})
CITY_ROLES: Final = frozenset(set(Role) - GLOBAL_ROLES)


class Tag(StrEnum):
    """Status groups, declared on states so no one guesses them from names."""

    ACTIVE = "active"
    TERMINAL = "terminal"
    PAUSED = "paused"
    WAITING_ON_CITY = "waiting-on-city"
    WAITING_ON_COACH = "waiting-on-coach"
    WAITING_ON_SECRETARIAT = "waiting-on-secretariat"
    WAITING_ON_FINANCE = "waiting-on-finance"
    WAITING_ON_COMMITTEE = "waiting-on-committee"


WAITING: Final = (
    Tag.WAITING_ON_CITY,
    Tag.WAITING_ON_COACH,
    Tag.WAITING_ON_SECRETARIAT,
    Tag.WAITING_ON_FINANCE,
    Tag.WAITING_ON_COMMITTEE,
)


class FieldKind(StrEnum):
    """The kinds of value a transition may ask for; the engine validates each."""

    TEXT = "text"
    DECIMAL = "decimal"
    CURRENCY = "currency"
    INTEGER = "integer"
    PERSON = "person"
    CHOICE = "choice"
    DATE = "date"
    COUNTRY = "country"  # ISO 3166 alpha-2
    TIMEZONE = "timezone"  # an IANA zone
    LANGUAGES = "languages"  # ISO 639-1 codes, separated by ';', ',' or spaces


@dataclass(frozen=True)
class FieldDef:
    """A value a person must (or may) give with a trigger."""

    name: str
    kind: FieldKind
    label: str
    required: bool = True
    multiline: bool = False  # free text (a reason, a summary); else one line, e.g. a title

    @property
    def max_length(self) -> int:
        """Free text may be long; one-line values fit their columns and email subjects."""
        return 4000 if self.multiline else 200


@dataclass(frozen=True)
class Facts:
    """What guards may know about a city at the moment of a change, gathered by the engine."""

    actor: str
    data: Mapping[str, object] | None = None  # None: values not given yet, data guards wait
    onboarding_items: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # key -> labels by language
    onboarding_done: frozenset[str] = frozenset()
    coach: str | None = None
    plan_submitted_by: str | None = None
    report_to_submit: str | None = None
    report_submitted_by: str | None = None
    final_report_approved: bool = False
    tranches_eligible: int = 0
    tranches_unpaid: int = 0
    ceilings: Mapping[str, Decimal] = field(default_factory=dict)
    deadline_due: date | None = None
    plan_currency: str | None = None  # the currency of the budget a committee decides on


Guard = Callable[[Facts], "Reason | None"]
"""A guard returns None when the change may happen, else the reason a person will read."""

RETURN: Final = "<state it left>"
"""Destination of a transition that goes back to where the record was before a pause."""


@dataclass(frozen=True)
class StateDef:
    """One stage of a journey, with the tags that group it."""

    name: str
    label: str
    tags: frozenset[Tag] = frozenset()


@dataclass(frozen=True)
class TransitionDef:
    """One trigger: from where, to where, who may pull it, what it checks and needs."""

    trigger: str
    sources: tuple[str, ...]
    dest: str | None
    label: str
    roles: frozenset[Role] = frozenset()
    guards: tuple[Guard, ...] = ()
    needs: tuple[FieldDef, ...] = ()
    submits: str | None = None  # what this trigger hands over for review ("plan", "report")
    reviews: str | None = None  # what this trigger decides on: a reviewer's verdict (approval or changes)
    approves: bool = False  # the verdict that approves it (an approval link confirms this one)
    from_message: bool = False  # answered from the message that asks it (a reminder's "seen"), not among a page's acts


@dataclass(frozen=True)
class Lifecycle:
    """A whole state machine as data; the single source for the machine, the CLI and the diagram."""

    name: str
    version: str
    initial: str
    states: tuple[StateDef, ...]
    transitions: tuple[TransitionDef, ...]

    def __post_init__(self) -> None:
        names = [s.name for s in self.states]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: duplicate state names")
        triggers = [t.trigger for t in self.transitions]
        if len(set(triggers)) != len(triggers):
            raise ValueError(f"{self.name}: duplicate triggers")
        known = set(names)
        for t in self.transitions:
            for where in (*t.sources, *([t.dest] if t.dest not in (None, RETURN) else [])):
                if where not in known:
                    raise ValueError(f"{self.name}: {t.trigger} names unknown state {where!r}")

    def state(self, name: str) -> StateDef:
        """The state called name, or KeyError."""
        for s in self.states:
            if s.name == name:
                return s
        raise KeyError(name)

    def transition(self, trigger: str) -> TransitionDef:
        """The transition pulled by trigger, or KeyError."""
        for t in self.transitions:
            if t.trigger == trigger:
                return t
        raise KeyError(trigger)

    def tagged(self, tag: Tag) -> tuple[str, ...]:
        """Names of the states carrying tag, in journey order."""
        return tuple(s.name for s in self.states if tag in s.tags)

    def from_state(self, state: str) -> tuple[TransitionDef, ...]:
        """Transitions whose sources include state, in definition order."""
        return tuple(t for t in self.transitions if state in t.sources)

    def waits_on(self, state: str) -> str | None:
        """Whose move it is in a state ("city", "coach", "secretariat", "finance", "committee"), from its tags."""
        tags = self.state(state).tags
        return next((str(tag).removeprefix("waiting-on-") for tag in WAITING if tag in tags), None)

    def reviewing(self) -> tuple[TransitionDef, ...]:
        """The reviewers' verdicts (approve or ask for changes): what "my approvals" and approval links offer."""
        return tuple(t for t in self.transitions if t.reviews)

    def approval_of(self, submitted_by: str) -> TransitionDef | None:
        """The verdict that approves what the trigger submitted_by handed over (None if it submits nothing)."""
        what = next((t.submits for t in self.transitions if t.trigger == submitted_by), None)
        return next((t for t in self.reviewing() if what and t.reviews == what and t.approves), None)

    @property
    def triggers(self) -> tuple[str, ...]:
        """Every trigger name, in definition order."""
        return tuple(t.trigger for t in self.transitions)


def check(transition: TransitionDef, facts: Facts) -> list[Reason]:
    """Every reason the guards of transition give against facts (empty when all pass)."""
    reasons: list[Reason] = []
    for guard in transition.guards:
        reason = guard(facts)
        if reason:
            reasons.append(reason)
    return reasons
