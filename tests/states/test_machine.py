"""The journey as data holds together, and the one machine built from it behaves as declared."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from states import CITY_JOURNEY, CITY_MACHINE, REPORT_MACHINE, TRANCHE_MACHINE, Binding, Facts, NotAllowedHere, Tag
from states.definition import RETURN, Lifecycle, StateDef, TransitionDef
from states.lifecycle import ACTIVE

TERMINAL = set(CITY_JOURNEY.tagged(Tag.TERMINAL))


def test_every_state_is_reachable_from_selected() -> None:
    reached, frontier = {CITY_JOURNEY.initial}, [CITY_JOURNEY.initial]
    while frontier:
        state = frontier.pop()
        for t in CITY_JOURNEY.from_state(state):
            dests = ACTIVE if t.dest == RETURN else (t.dest or state,)
            for d in dests:
                if d not in reached:
                    reached.add(d)
                    frontier.append(d)
    assert reached == {s.name for s in CITY_JOURNEY.states}


def test_terminal_states_have_no_way_out_and_every_other_state_has_one() -> None:
    for s in CITY_JOURNEY.states:
        assert bool(CITY_JOURNEY.from_state(s.name)) == (s.name not in TERMINAL), s.name


def test_every_state_is_active_terminal_or_paused_exactly_once() -> None:
    for s in CITY_JOURNEY.states:
        assert len(s.tags & {Tag.ACTIVE, Tag.TERMINAL, Tag.PAUSED}) == 1, s.name


def test_every_transition_names_who_may_pull_it_and_a_label() -> None:
    for t in CITY_JOURNEY.transitions:
        assert t.roles and t.label, t.trigger


def test_a_definition_with_a_typo_is_refused_when_built() -> None:
    with pytest.raises(ValueError, match="unknown state 'confirmd'"):
        Lifecycle("x", "x/1", "a", (StateDef("a", "A"),), (TransitionDef("go", ("a",), "confirmd", "Go"),))


def test_guards_refuse_with_the_reason_and_leave_the_state() -> None:
    visit = {"visit": {"en": "Secretariat visit done", "fr": "Visite du secrétariat faite"}}
    binding = Binding("onboarding", facts=Facts(actor="a@b.org", onboarding_items=visit))
    assert CITY_MACHINE.fire(binding, "finish_onboarding") is False
    assert binding.state == "onboarding"
    assert binding.refusals == ["Onboarding is not complete: still to do: Secretariat visit done."]


def test_a_trigger_from_the_wrong_state_is_not_allowed_here() -> None:
    with pytest.raises(NotAllowedHere, match="'complete' is not possible while the city is selected"):
        CITY_MACHINE.fire(Binding("selected", facts=Facts(actor="a@b.org")), "complete")


@given(st.sampled_from(ACTIVE))
def test_pause_then_resume_returns_to_the_state_it_left(state: str) -> None:
    binding = Binding(state, facts=Facts(actor="a@b.org"))
    assert CITY_MACHINE.fire(binding, "pause")
    assert (binding.state, binding.paused_from) == ("paused", state)
    assert CITY_MACHINE.fire(binding, "resume")
    assert (binding.state, binding.paused_from) == (state, None)


@given(st.lists(st.sampled_from(CITY_JOURNEY.triggers), max_size=40))
def test_any_sequence_of_triggers_stays_within_the_machine(triggers: list[str]) -> None:
    names = {s.name for s in CITY_JOURNEY.states}
    binding = Binding(CITY_JOURNEY.initial)  # no facts: guards skipped, as when replaying
    for trigger in triggers:
        before = binding.state
        try:
            CITY_MACHINE.fire(binding, trigger)
        except NotAllowedHere:
            assert before not in CITY_JOURNEY.transition(trigger).sources
            continue
        assert before not in TERMINAL
        assert binding.state in names


def test_reports_and_tranches_follow_their_small_lifecycles() -> None:
    assert REPORT_MACHINE.step("due", "submit") == "submitted"
    assert REPORT_MACHINE.step("submitted", "request_changes") == "changes_requested"
    assert REPORT_MACHINE.step("changes_requested", "submit") == "submitted"
    assert REPORT_MACHINE.step("submitted", "approve") == "approved"
    assert TRANCHE_MACHINE.step(TRANCHE_MACHINE.step("scheduled", "release"), "pay") == "paid"
    with pytest.raises(NotAllowedHere):
        TRANCHE_MACHINE.step("scheduled", "pay")
