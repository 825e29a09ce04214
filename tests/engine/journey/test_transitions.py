"""Every transition, for every role, allowed or refused: the matrix comes from the definition itself."""

from __future__ import annotations

import pytest

from engine import Refused
from engine.views.queries import history, status
from states import CITY_JOURNEY, Role
from support import (
    COACH_BKO,
    COMMITTEE_BKO,
    DATA,
    FINANCE,
    LEAD_BKO,
    MAYOR_BKO,
    MEMBER_BKO,
    PARTNER_BKO,
    SECRETARIAT,
    SECRETARIAT_2,
    Network,
)

# One person holding each role for Bamako (BKO) in examples/people.csv.
HOLDER = {
    Role.SECRETARIAT: SECRETARIAT_2,
    Role.FINANCE: FINANCE,
    Role.COACH: COACH_BKO,
    Role.CITY_LEAD: LEAD_BKO,
    Role.CITY_MEMBER: MEMBER_BKO,
    Role.MAYOR: MAYOR_BKO,
    Role.COMMITTEE_MEMBER: COMMITTEE_BKO,
    Role.PARTNER: PARTNER_BKO,
}

# Where in the happy path each trigger becomes possible (walk up to that step).
READY_AT = {
    "decline": "confirm",
    "extend_deadline": "confirm",
    "acknowledge": "confirm",
    "change_details": "confirm",
    "pause": "confirm",
    "withdraw": "confirm",
    "resume": "confirm",
    "assign_coach": "finish_onboarding",
    "request_plan_changes": "send_to_committee",
    "revise_plan": "approve_grant",
    "reject_plan": "approve_grant",
    "request_report_changes": "approve_report",
}


def ready(network: Network, trigger: str) -> None:
    """Bring BKO to a moment where trigger's state and guards are satisfied."""
    network.walk("BKO", READY_AT.get(trigger, trigger))
    if trigger == "resume":
        network.act("BKO", "pause", SECRETARIAT, reason="Floods")


CASES = [(t.trigger, role) for t in CITY_JOURNEY.transitions for role in Role]


@pytest.mark.parametrize(("trigger", "role"), CASES, ids=[f"{t}-{r.value}" for t, r in CASES])
def test_each_role_is_allowed_exactly_where_the_definition_says(network: Network, trigger: str, role: Role) -> None:
    transition = CITY_JOURNEY.transition(trigger)
    ready(network, trigger)
    before = next(r for r in status(network.sessions, network.clock) if r.city == "BKO")
    if role in transition.roles:
        result = network.act("BKO", trigger, HOLDER[role], **DATA.get(trigger, {}))
        expected = transition.dest or before.state
        if trigger == "resume":
            expected = "selected"
        assert result.to_state == expected
        assert history(network.sessions, "BKO")[-1].trigger == trigger
        assert history(network.sessions, "BKO")[-1].by == HOLDER[role]
    else:
        with pytest.raises(Refused) as refused:
            network.act("BKO", trigger, HOLDER[role], **DATA.get(trigger, {}))
        assert "may" in str(refused.value.reason)
        after = next(r for r in status(network.sessions, network.clock) if r.city == "BKO")
        assert (after.state, after.version) == (before.state, before.version)


@pytest.mark.parametrize("trigger", [t.trigger for t in CITY_JOURNEY.transitions])
def test_each_trigger_is_refused_outside_its_states(network: Network, trigger: str) -> None:
    transition = CITY_JOURNEY.transition(trigger)
    network.walk("BKO", "<end>")  # completed: terminal, nothing is possible
    assert "completed" not in transition.sources
    actor = HOLDER[sorted(transition.roles)[0]]
    with pytest.raises(Refused) as refused:
        network.act("BKO", trigger, actor, **DATA.get(trigger, {}))
    assert refused.value.reason == f"'{trigger}' is not possible while the city is completed."
