"""Domain records a trigger writes beside the state change, picked by trigger as Dispatch does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.deadlines import reports, timers
from engine.errors import NotFound
from engine.journey.facts import experiment_tranches, open_report, pending_plan
from models import ChecklistTick, City, Grant, Person, Plan, Report, RoleAssignment, Tranche
from models.money import Money, split
from models.programme import Definition
from states import REPORT_MACHINE, TRANCHE_MACHINE, Role
from states.reasons import Reason


@dataclass(frozen=True)
class Actor:
    """Who pulls a trigger: a person (a Person row fits), or an import file (no id)."""

    id: int | None
    email: str
    name: str


REPORT_STEP = {"request_report_changes": "request_changes", "approve_report": "approve"}


def apply(
    s: Session,
    city: City,
    trigger: str,
    actor: Actor | Person,
    data: Mapping[str, Any],
    definition: Definition,
    at: datetime,
) -> None:
    """Write what trigger means for plans, grants, tranches, reports and the checklist."""
    match trigger:
        case "sign_contract":
            money = Money.of(data["amount"], data["currency"])
            grant = _grant(s, city, "advance", money, actor, at)
            _tranches(
                s,
                grant,
                [("first payment", 100, "contract_signed")],
                money,
                at,
                {"contract_signed"},
            )
        case "record_first_payment":
            _pay_next(s, city, "advance", actor, at)
        case "tick_objective":
            s.add(ChecklistTick(city_id=city.id, item=data["item"], done_at=at, done_by=actor.id))
        case "assign_coach":
            _assign_coach(s, city, data["coach"])
        case "submit_plan":
            number = (s.scalar(select(func.max(Plan.number)).where(Plan.city_id == city.id)) or 0) + 1
            budget = Money.of(data["budget"], data["currency"])
            s.add(
                Plan(
                    city_id=city.id,
                    number=number,
                    title=data["title"],
                    hypothesis=data["hypothesis"],
                    budget_minor=budget.minor,
                    currency=budget.currency,
                    duration_months=data["duration_months"],
                    procurement=data.get("procurement"),
                    submitted_by=actor.id,
                    submitted_at=at,
                )
            )
        case "request_plan_changes" | "send_to_committee" | "revise_plan" | "reject_plan":
            plan = pending_plan(s, city.id)
            if plan is not None:
                plan.outcome = trigger
        case "approve_grant":
            plan = pending_plan(s, city.id)
            if plan is not None:
                plan.outcome = trigger
            money = Money.of(data["amount"], data["currency"])
            grant = _grant(s, city, "experiment", money, actor, at)
            schedule = [(t.name, t.share, str(t.when)) for t in definition.grant.tranches]
            _tranches(s, grant, schedule, money, at, {"award"})
            reports.on_award(s, city, definition, at)
        case "begin_final_report":
            reports.open_final(s, city, at)
        case "submit_report":
            report = _open_report(s, city)
            report.state = REPORT_MACHINE.step(report.state, "submit")
            report.summary, report.submitted_by, report.submitted_at = data["summary"], actor.id, at
            reports.on_submit(s, city, report, definition, at)
        case "request_report_changes" | "approve_report":
            report = _open_report(s, city)
            report.state = REPORT_MACHINE.step(report.state, REPORT_STEP[trigger])
            report.decided_by, report.decided_at = actor.id, at
            reports.on_decide(s, city, report, definition, at)
            if report.state == "approved":
                _release_after(s, city, report, at)
                reports.on_approve(s, city, report, definition, at)
        case "pay_tranche":
            _pay_next(s, city, "experiment", actor, at)
        case "extend_deadline":
            timers.extend(s, city, definition, data["days"])
        case "change_details":
            moved = any(key in data and data[key] != getattr(city, key) for key in ("timezone", "country"))
            for key in ("name", "country", "timezone", "languages"):
                if key in data:
                    setattr(city, key, data[key])
            if moved:  # its working days and 09:00 are somewhere else now
                timers.replan(s, city, definition)
        case _:
            pass  # confirm, decline, contract sent, pause, resume, withdraw...: the audit event says it all


def _grant(s: Session, city: City, purpose: str, money: Money, actor: Actor | Person, at: datetime) -> Grant:
    """A new grant row, flushed so its tranches can point at it."""
    grant = Grant(
        city_id=city.id,
        purpose=purpose,
        currency=money.currency,
        amount_minor=money.minor,
        paid_minor=0,
        awarded_at=at,
        awarded_by=actor.id,
    )
    s.add(grant)
    s.flush()
    return grant


def _tranches(
    s: Session,
    grant: Grant,
    schedule: list[tuple[str, int, str]],
    total: Money,
    at: datetime,
    met: set[str],
) -> None:
    """The grant's tranches; those whose condition is already met are released at once."""
    amounts = split(total, [share for _, share, _ in schedule])
    for number, ((name, share, when), amount) in enumerate(zip(schedule, amounts, strict=True), start=1):
        state = "scheduled"
        if when in met:
            state = TRANCHE_MACHINE.step(state, "release")
        s.add(
            Tranche(
                grant_id=grant.id,
                number=number,
                name=name,
                share=share,
                amount_minor=amount.minor,
                condition=when,
                state=state,
                eligible_at=at if state == "eligible" else None,
            )
        )


def _pay_next(s: Session, city: City, purpose: str, actor: Actor | Person, at: datetime) -> None:
    """Pay the first eligible tranche in full; the database refuses paid above awarded."""
    row = s.execute(
        select(Tranche, Grant)
        .join(Grant, Grant.id == Tranche.grant_id)
        .where(Grant.city_id == city.id, Grant.purpose == purpose, Tranche.state == "eligible")
        .order_by(Tranche.number)
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(
            Reason("no_tranche_eligible", "No tranche is eligible for payment: its condition is not met yet.")
        )
    tranche, grant = row
    tranche.state = TRANCHE_MACHINE.step(tranche.state, "pay")
    tranche.paid_at, tranche.paid_by = at, actor.id
    grant.paid_minor += tranche.amount_minor


def _release_after(s: Session, city: City, report: Report, at: datetime) -> None:
    """Approving a report meets tranche conditions: the first periodic one, or the final one."""
    if report.kind == "final":
        met = {"first_report_approved", "final_report_approved"}
    else:
        approved = s.scalar(
            select(func.count(Report.id)).where(
                Report.city_id == city.id, Report.kind == "periodic", Report.state == "approved"
            )
        )
        met = {"first_report_approved"} if approved == 1 else set()
    for tranche in experiment_tranches(s, city.id):
        if tranche.state == "scheduled" and tranche.condition in met:
            tranche.state = TRANCHE_MACHINE.step(tranche.state, "release")
            tranche.eligible_at = at


def _open_report(s: Session, city: City) -> Report:
    """The report the guards already found open."""
    report = open_report(s, city.id)
    if report is None:
        raise NotFound(Reason("no_open_report", "No report is open for this city."))
    return report


def _assign_coach(s: Session, city: City, email: str) -> None:
    """One coach per city: the new assignment replaces the old one."""
    coach = s.scalar(select(Person).where(Person.email == email))
    if coach is None:
        raise NotFound(
            Reason(
                "no_coach_person", "No person with email {email}; import them first (jalon people import).", email=email
            )
        )
    s.execute(delete(RoleAssignment).where(RoleAssignment.city_id == city.id, RoleAssignment.role == Role.COACH.value))
    s.add(RoleAssignment(person_id=coach.id, role=Role.COACH.value, city_id=city.id))
