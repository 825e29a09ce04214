"""What may happen: every lifecycle as data, and the one machine built from each."""

from states.definition import (
    Facts,
    FieldDef,
    FieldKind,
    Lifecycle,
    Role,
    StateDef,
    Tag,
    TransitionDef,
)
from states.lifecycle import CITY_JOURNEY
from states.machine import Binding, LifecycleMachine, NotAllowedHere
from states.records import REPORT_LIFECYCLE, TRANCHE_LIFECYCLE

CITY_MACHINE = LifecycleMachine(CITY_JOURNEY)
REPORT_MACHINE = LifecycleMachine(REPORT_LIFECYCLE)
TRANCHE_MACHINE = LifecycleMachine(TRANCHE_LIFECYCLE)

__all__ = [
    "CITY_JOURNEY",
    "CITY_MACHINE",
    "REPORT_LIFECYCLE",
    "REPORT_MACHINE",
    "TRANCHE_LIFECYCLE",
    "TRANCHE_MACHINE",
    "Binding",
    "Facts",
    "FieldDef",
    "FieldKind",
    "Lifecycle",
    "LifecycleMachine",
    "NotAllowedHere",
    "Role",
    "StateDef",
    "Tag",
    "TransitionDef",
]
