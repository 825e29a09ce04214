"""The demo's simulated people: what each city team, coach, secretary and finance officer does next, and when.

Seeded: the same seed tells the same story. Everyone acts only through engine.act (the demo's flow calls it);
this module decides who pulls which trigger at what simulated moment, from what the engine says is possible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session, sessionmaker

from engine.views.queries import can, city_codes, holder, where_is

SECRETARIAT = "claire.martin@aston.example.org"
SECOND_SECRETARY = "tom.baker@aston.example.org"
FINANCE = "ines.diallo@aston.example.org"
DECLINES, PAUSES, WITHDRAWS = "STL", "MTL", "NKC"  # the cohort's three side stories
OBJECTIVES: tuple[str, ...] = ("kickoff_attended", "secretariat_visit", "participation_public")
OBJECTIVES += ("expectations_defined", "questions_answered")


@dataclass(frozen=True)
class Step:
    """One act someone will do: who, which trigger, with what, and when."""

    at: datetime
    city: str
    trigger: str
    by: str
    data: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    """One moment of decision for a city: now, and who may do what."""

    player: Player
    now: datetime
    allowed: dict[str, set[str]]

    def may(self, person: str | None, trigger: str) -> bool:
        """Whether the engine lets this person pull this trigger now."""
        return person is not None and trigger in self.allowed.get(person, set())

    def step(self, after: timedelta, trigger: str, by: str, **data: str) -> Step:
        """The act, some time from now, during office hours."""
        return Step(self.player.during_office_hours(self.now + after), self.player.code, trigger, by, dict(data))


@dataclass
class Player:
    """One city's people, with their habits drawn once from the seed."""

    code: str
    lead: str
    coach: str | None
    rng: random.Random
    slow: float  # how much slower than the deadlines this city tends to be (0.5 .. 1.6)
    asked_changes: bool = False
    revised: bool = False
    paused_once: bool = False
    experimenting_since: datetime | None = None
    ticked: set[str] = field(default_factory=set)

    def days(self, low: int, high: int) -> timedelta:
        """A delay in days, stretched by this city's pace."""
        return timedelta(days=max(1, round(self.rng.randint(low, high) * self.slow)))

    def during_office_hours(self, day: datetime) -> datetime:
        """A moment between 10:00 and 16:00 UTC on that day (after the morning's reminders went out)."""
        minutes = self.rng.randint(0, 6 * 60)
        return datetime.combine(day.date(), time(10, 0), tzinfo=UTC) + timedelta(minutes=minutes)

    def next(self, state: str, allowed: dict[str, set[str]], now: datetime, report_due: date | None) -> Step | None:
        """What happens next for this city, given its stage and what each person may do now."""
        turn = Turn(self, now, allowed)
        step, may = turn.step, turn.may

        match state:
            case "selected":
                if self.code == DECLINES:
                    return step(self.days(8, 15), "decline", self.lead, reason="Élections municipales cette année")
                return step(self.days(3, 20), "confirm", self.lead)
            case "confirmed":
                return step(self.days(2, 9), "send_contract", SECRETARIAT)
            case "contracting":
                return step(self.days(15, 50), "sign_contract", SECRETARIAT, amount="10000", currency="EUR")
            case "awaiting_first_payment":
                if self.code == PAUSES and not self.paused_once:
                    self.paused_once = True
                    return step(self.days(5, 10), "pause", SECRETARIAT, reason="Cyclone: l'équipe est injoignable")
                return step(self.days(15, 55), "record_first_payment", FINANCE)
            case "paused":
                return step(timedelta(days=45), "resume", SECRETARIAT)
            case "onboarding":
                for item in OBJECTIVES:
                    if may(self.lead, "tick_objective") and item not in self.ticked:
                        self.ticked.add(item)
                        return step(self.days(4, 12), "tick_objective", self.lead, item=item)
                return step(self.days(1, 4), "finish_onboarding", SECRETARIAT)
            case "experiment_planning":
                if self.code == WITHDRAWS:
                    return step(self.days(20, 35), "withdraw", SECRETARIAT, reason="Décision du conseil municipal")
                budget = str(self.rng.randrange(30_000, 50_001, 1_000))
                return step(
                    self.days(25, 70),
                    "submit_plan",
                    self.lead,
                    title=f"Expérimentation de {self.code}",
                    hypothesis="Des données ouvertes changent les décisions du quotidien.",
                    budget=budget,
                    currency="EUR",
                    duration_months="12",
                )
            case "plan_review" if self.coach:
                if not self.asked_changes and self.rng.random() < 0.35:
                    self.asked_changes = True
                    return step(self.days(3, 10), "request_plan_changes", self.coach, changes="Préciser les mesures")
                return step(self.days(3, 10), "send_to_committee", self.coach)
            case "investment_committee":
                if not self.revised and self.rng.random() < 0.2:
                    self.revised = True
                    return step(self.days(10, 20), "revise_plan", SECOND_SECRETARY, changes="Un premier pas plus petit")
                amount = str(self.rng.randrange(30_000, 50_001, 1_000))
                return step(self.days(10, 25), "approve_grant", SECOND_SECRETARY, amount=amount, currency="EUR")
            case "experimenting" | "final_reporting":
                return self._experimenting(state, turn, report_due)
        return None

    def _experimenting(self, state: str, turn: Turn, report_due: date | None) -> Step | None:
        """Tranches paid when due, reports written (late or on time), the final report after a year."""
        step, may, now = turn.step, turn.may, turn.now
        self.experimenting_since = self.experimenting_since or now
        if may(FINANCE, "pay_tranche"):
            return step(self.days(3, 15), "pay_tranche", FINANCE)
        if self.coach and may(self.coach, "approve_report"):
            if self.rng.random() < 0.15:
                return step(self.days(2, 6), "request_report_changes", self.coach, changes="Ajouter le budget")
            return step(self.days(2, 8), "approve_report", self.coach)
        a_year = now - self.experimenting_since > timedelta(days=330)
        if state == "experimenting" and a_year and self.coach and may(self.coach, "begin_final_report"):
            return step(self.days(1, 5), "begin_final_report", self.coach)  # the final report replaces one owed
        if may(self.lead, "submit_report"):
            if state == "final_reporting" or report_due is None:
                return step(self.days(15, 35), "submit_report", self.lead, summary="Ce que nous avons appris")
            late = self.rng.choice((-8, -3, 0, 4, 12, 30))  # days against the due date: some early, some very late
            when = datetime.combine(report_due, time(12), tzinfo=UTC) + timedelta(days=late)
            moment = self.during_office_hours(max(when, now + timedelta(days=1)))
            return Step(moment, self.code, "submit_report", self.lead, {"summary": "Trois mois d'expérimentation"})
        if state == "final_reporting" and may(SECRETARIAT, "complete"):
            return step(self.days(2, 6), "complete", SECRETARIAT)
        return None


def cast_players(sessions: sessionmaker[Session], seed: int) -> dict[str, Player]:
    """Everyone in the cohort, with habits drawn from the seed (the same seed, the same people)."""
    rng = random.Random(seed)
    players = {}
    for code in city_codes(sessions):
        lead, coach = holder(sessions, code, "city_lead"), holder(sessions, code, "coach")
        if lead is not None:
            players[code] = Player(code, lead, coach, random.Random(rng.random()), rng.uniform(0.5, 1.6))
    return players


def plan_next(sessions: sessionmaker[Session], player: Player, now: datetime) -> Step | None:
    """Ask the engine where the city stands and who may do what, then let the city's people decide."""
    found = where_is(sessions, player.code)
    if found is None:
        return None
    state, report_due = found
    people = {p for p in (player.lead, player.coach, SECRETARIAT, SECOND_SECRETARY, FINANCE) if p}
    allowed = {p: {o.trigger for o in can(sessions, player.code, p) if o.allowed} for p in people}
    return player.next(state, allowed, now, report_due)
