"""The small lifecycles of a city's reports and grant tranches, pulled along by city triggers."""

from __future__ import annotations

from typing import Final

from states.definition import Lifecycle, StateDef, Tag, TransitionDef

REPORT_LIFECYCLE: Final = Lifecycle(
    name="report",
    version="report/1",
    initial="due",
    states=(
        StateDef("due", "Due", frozenset({Tag.WAITING_ON_CITY})),
        StateDef("submitted", "Submitted", frozenset({Tag.WAITING_ON_COACH})),
        StateDef("changes_requested", "Changes requested", frozenset({Tag.WAITING_ON_CITY})),
        StateDef("approved", "Approved", frozenset({Tag.TERMINAL})),
        StateDef("superseded", "Replaced by the final report", frozenset({Tag.TERMINAL})),
    ),
    transitions=(
        TransitionDef("submit", ("due", "changes_requested"), "submitted", "Submit"),
        TransitionDef("request_changes", ("submitted",), "changes_requested", "Ask for changes"),
        TransitionDef("approve", ("submitted",), "approved", "Approve"),
        TransitionDef("supersede", ("due", "changes_requested"), "superseded", "The final report replaces it"),
    ),
)

TRANCHE_LIFECYCLE: Final = Lifecycle(
    name="tranche",
    version="tranche/1",
    initial="scheduled",
    states=(
        StateDef("scheduled", "Scheduled"),
        StateDef("eligible", "Eligible", frozenset({Tag.WAITING_ON_FINANCE})),
        StateDef("paid", "Paid", frozenset({Tag.TERMINAL})),
    ),
    transitions=(
        TransitionDef("release", ("scheduled",), "eligible", "Condition met"),
        TransitionDef("pay", ("eligible",), "paid", "Paid"),
    ),
)
