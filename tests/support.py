"""Who is who in the sample programme, and a clock that moves forward for each act."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine import ActResult, act
from engine.intake.importers import import_cities, import_people
from engine.intake.programme import load

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

SECRETARIAT = "claire.martin@aston.example.org"
SECRETARIAT_2 = "tom.baker@aston.example.org"
FINANCE = "ines.diallo@aston.example.org"
COACH_BKO = "amadou.traore@coach.example.org"  # also NIM, NKC
COACH_BEN = "leila.benali@coach.example.org"  # BEN, BIZ, SMP
LEAD_BKO = "fatoumata.keita@bamako.example.org"
MEMBER_BKO = "moussa.coulibaly@bamako.example.org"
MAYOR_BKO = "maire@bamako.example.org"
COMMITTEE_BKO = "ousmane.sidibe@bamako.example.org"
PARTNER_BKO = "nadia.kone@partner.example.org"
LEAD_BEN = "youssef.alaoui@benguerir.example.org"

ONBOARDING = [
    "kickoff_attended",
    "secretariat_visit",
    "participation_public",
    "expectations_defined",
    "questions_answered",
]
PLAN = {
    "title": "Open data",
    "hypothesis": "Residents use it",
    "budget": "40000",
    "currency": "EUR",
    "duration_months": "9",
}

# A happy path through the whole journey, as (trigger, actor, data).
JOURNEY: list[tuple[str, str, dict[str, Any]]] = [
    ("confirm", LEAD_BKO, {}),
    ("send_contract", SECRETARIAT, {}),
    ("sign_contract", SECRETARIAT, {"amount": "10000", "currency": "EUR"}),
    ("record_first_payment", FINANCE, {}),
    *[("tick_objective", SECRETARIAT, {"item": k}) for k in ONBOARDING],
    ("finish_onboarding", SECRETARIAT, {}),
    ("submit_plan", LEAD_BKO, PLAN),
    ("send_to_committee", COACH_BKO, {}),
    ("approve_grant", SECRETARIAT, {"amount": "40000", "currency": "EUR"}),
    ("pay_tranche", FINANCE, {}),
    ("submit_report", LEAD_BKO, {"summary": "First quarter"}),
    ("approve_report", COACH_BKO, {}),
    ("pay_tranche", FINANCE, {}),
    ("begin_final_report", COACH_BKO, {}),
    ("submit_report", LEAD_BKO, {"summary": "Impact and learning"}),
    ("approve_report", COACH_BKO, {}),
    ("pay_tranche", FINANCE, {}),
    ("complete", SECRETARIAT, {}),
]


@dataclass
class Network:
    """The sample programme loaded into a database, with a clock that ticks an hour per act."""

    sessions: sessionmaker[Session]
    clock: datetime = START
    results: list[ActResult] = field(default_factory=list)

    def tick(self) -> datetime:
        """The next moment (acts are ordered in time)."""
        self.clock += timedelta(hours=1)
        return self.clock

    def act(self, city: str, trigger: str, by: str, **data: Any) -> ActResult:
        """engine.act with the network's clock."""
        result = act(self.sessions, city, trigger, by, at=self.tick(), data=data)
        self.results.append(result)
        return result

    def walk(self, city: str, until: str, *, lead: str = LEAD_BKO, coach: str = COACH_BKO) -> None:
        """Follow JOURNEY on city until (not including) the step whose trigger is until."""
        stand_in = {LEAD_BKO: lead, COACH_BKO: coach}
        for trigger, by, data in JOURNEY:
            if trigger == until:
                return
            self.act(city, trigger, stand_in.get(by, by), **data)
        if until != "<end>":
            raise AssertionError(f"{until} is not in the journey")


def load_examples(sessions: sessionmaker[Session], at: datetime = START) -> Network:
    """Programme, cities and people from examples/, as a newcomer would load them."""
    load(sessions, EXAMPLES / "programme.yaml", at=at)
    import_cities(sessions, EXAMPLES / "cities.csv", at=at)
    import_people(sessions, EXAMPLES / "people.csv", at=at)
    return Network(sessions, at)


# Values each trigger needs, where the happy path in support.JOURNEY does not already give them.
DATA: dict[str, dict[str, Any]] = {
    "decline": {"reason": "Elections this year"},
    "reject_plan": {"reason": "Not an experiment"},
    "pause": {"reason": "Floods"},
    "withdraw": {"reason": "Council decision"},
    "request_plan_changes": {"changes": "Say what you will measure"},
    "revise_plan": {"changes": "Smaller first step"},
    "request_report_changes": {"changes": "Add the spending table"},
    "assign_coach": {"coach": COACH_BEN},
    "extend_deadline": {"days": "5", "reason": "Council meets next month"},
    "change_details": {"name": "Bamako (district)", "timezone": "Africa/Bamako"},
}
for _trigger, _by, _data in JOURNEY:
    DATA.setdefault(_trigger, _data)


@contextmanager
def rolled_back(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions inside one outer transaction: the engine's commits become savepoints, all rolled back."""
    conn = engine.connect()
    outer = conn.begin()
    try:
        yield sessionmaker(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    finally:
        outer.rollback()
        conn.close()
