"""Random sequences of acts by random people: the journey's invariants hold whatever is tried."""

from __future__ import annotations

import os
from contextlib import ExitStack
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import Engine, select

from engine import JalonError, act
from engine.journey.audit import replay, verify
from engine.views.queries import can, status
from models import Grant
from states import CITY_JOURNEY, Tag
from support import (
    COACH_BEN,
    COACH_BKO,
    DATA,
    EXAMPLES,
    FINANCE,
    LEAD_BKO,
    ONBOARDING,
    SECRETARIAT,
    SECRETARIAT_2,
    Network,
    rolled_back,
)

CITIES = ("BKO", "STL")
PEOPLE = [line.split(",")[0] for line in (EXAMPLES / "people.csv").read_text().splitlines()[1:]]
STAFF = [SECRETARIAT, SECRETARIAT_2, FINANCE]
ACTORS = {
    "BKO": [*STAFF, LEAD_BKO, COACH_BKO],
    "NIM": [*STAFF, "aissa.moussa@niamey.example.org", COACH_BKO],
    "STL": [*STAFF, "awa.ndiaye@saintlouis.example.org", COACH_BEN],
}
EXITS = {"decline", "withdraw", "reject_plan", "pause", "revise_plan", "request_plan_changes", "assign_coach"}
STATES = {s.name for s in CITY_JOURNEY.states}
TERMINAL = set(CITY_JOURNEY.tagged(Tag.TERMINAL))
JUNK: list[dict[str, Any]] = [
    {},
    {"amount": "-5", "currency": "EUR"},
    {"amount": "99999999", "currency": "EUR"},
    {"item": "nope"},
    {"coach": "nobody@example.org"},
]


def journey_machine(engine: Engine) -> type[RuleBasedStateMachine]:
    """A state machine test bound to one backend; each example runs in a rolled-back transaction."""

    class Journey(RuleBasedStateMachine):
        """Acts chosen from what people may do (to go deep) and at random (to probe refusals)."""

        def __init__(self) -> None:
            super().__init__()
            self.stack = ExitStack()
            self.network = Network(self.stack.enter_context(rolled_back(engine)))
            self.ticked = {city: 0 for city in CITIES}

        def teardown(self) -> None:
            """Once per example, at its end: the whole trail replays to the cities' states and its chain verifies
            (the trail only grows, so a break at any step is still there at the end)."""
            try:
                with self.network.sessions() as s:
                    assert verify(s) == []
                    assert replay(s) == []
            finally:
                self.stack.close()

        def _try(self, city: str, trigger: str, person: str, data: dict[str, Any]) -> None:
            before = next(r for r in status(self.network.sessions, self.network.clock) if r.city == city)
            try:
                result = act(self.network.sessions, city, trigger, person, at=self.network.tick(), data=data)
            except JalonError:
                after = next(r for r in status(self.network.sessions, self.network.clock) if r.city == city)
                assert (after.state, after.version) == (before.state, before.version), "a refusal changed the city"
                return
            assert before.state not in TERMINAL, f"{city} acted from terminal {before.state}"
            assert result.version == before.version + 1
            self.ticked[city] += trigger == "tick_objective"

        def _progress(self, city: str, pick: int) -> None:
            """Someone who may act on the city pulls a trigger open to them, mostly one that moves it on."""
            options = [(p, o.trigger) for p in ACTORS[city] for o in can(self.network.sessions, city, p) if o.allowed]
            forward = [(p, t) for p, t in options if t not in EXITS]
            choice = forward if forward and pick < 95 else options
            if choice:
                person, trigger = choice[pick % len(choice)]
                data = (
                    {"item": ONBOARDING[pick % len(ONBOARDING)]} if trigger == "tick_objective" else DATA.get(trigger)
                )
                self._try(city, trigger, person, dict(data or {}))

        @rule(city=st.sampled_from(CITIES), pick=st.integers(0, 99))
        def progress(self, city: str, pick: int) -> None:
            self._progress(city, pick)

        @rule(city=st.sampled_from(CITIES), pick=st.integers(0, 99))
        def progress_again(self, city: str, pick: int) -> None:
            """A second door to progress, so moving on is drawn twice as often as probing."""
            self._progress(city, pick)

        @rule(
            city=st.sampled_from(CITIES),
            person=st.sampled_from(PEOPLE),
            trigger=st.sampled_from(CITY_JOURNEY.triggers),
            junk=st.sampled_from(JUNK),
        )
        def anything(self, city: str, person: str, trigger: str, junk: dict[str, Any]) -> None:
            """Anyone tries anything with odd values: it happens or is refused, never half-done."""
            self._try(city, trigger, person, junk)

        @invariant()
        def states_are_the_machines(self) -> None:
            board = status(self.network.sessions, self.network.clock)
            assert {r.state for r in board} <= STATES

        @invariant()
        def paid_never_exceeds_awarded(self) -> None:
            with self.network.sessions() as s:
                for grant in s.scalars(select(Grant)):
                    assert 0 <= grant.paid_minor <= grant.amount_minor

    examples = os.environ.get("JALON_HYPOTHESIS_EXAMPLES")  # else the profile's (tests/conftest.py)
    Journey.TestCase.settings = settings(
        max_examples=int(examples) if examples else settings().max_examples,
        stateful_step_count=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    return Journey


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_random_acts_keep_the_journey_sound(backend: str, request: pytest.FixtureRequest) -> None:
    engine: Engine = request.getfixturevalue(f"{backend}_loaded_engine")
    journey_machine(engine).TestCase().runTest()
