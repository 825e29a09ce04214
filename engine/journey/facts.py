"""What the engine reads about a city before a change: the actor's roles and the guards' facts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.deadlines.timers import running
from models import ChecklistTick, City, Grant, Person, Plan, Report, RoleAssignment, Tranche
from models.programme import Definition
from states import Facts, Role
from states import lifecycle as j

OPEN_REPORT = ("due", "changes_requested")


def roles_of(s: Session, person_id: int, city_id: int) -> frozenset[Role]:
    """Network-wide roles plus the roles held for this city only."""
    rows = s.scalars(
        select(RoleAssignment.role).where(
            RoleAssignment.person_id == person_id,
            or_(RoleAssignment.city_id.is_(None), RoleAssignment.city_id == city_id),
        )
    )
    return frozenset(Role(r) for r in rows)


def roles_elsewhere(s: Session, person_id: int, city_id: int) -> frozenset[Role]:
    """City roles the person holds for other cities, to explain a refusal precisely."""
    rows = s.scalars(
        select(RoleAssignment.role).where(RoleAssignment.person_id == person_id, RoleAssignment.city_id != city_id)
    )
    return frozenset(Role(r) for r in rows)


def coach_of(s: Session, city_id: int) -> str | None:
    """Email of the coach assigned to the city, if any."""
    return s.scalar(
        select(Person.email)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(RoleAssignment.city_id == city_id, RoleAssignment.role == Role.COACH.value)
        .order_by(RoleAssignment.id)
        .limit(1)
    )


def open_report(s: Session, city_id: int) -> Report | None:
    """The city's report that is due, sent back or under review (at most one at a time)."""
    return s.scalar(
        select(Report)
        .where(Report.city_id == city_id, Report.state.in_((*OPEN_REPORT, "submitted")))
        .order_by(Report.id)
        .limit(1)
    )


def pending_plan(s: Session, city_id: int) -> Plan | None:
    """The city's latest plan, whatever became of it (the one a review or committee decides on)."""
    return s.scalar(select(Plan).where(Plan.city_id == city_id).order_by(Plan.number.desc()).limit(1))


def experiment_tranches(s: Session, city_id: int) -> list[Tranche]:
    """The experimentation grant's tranches, in payment order."""
    return list(
        s.scalars(
            select(Tranche)
            .join(Grant, Grant.id == Tranche.grant_id)
            .where(Grant.city_id == city_id, Grant.purpose == "experiment")
            .order_by(Tranche.number)
        )
    )


def email_of(s: Session, person_id: int | None) -> str | None:
    """The email behind a person id (None stays None)."""
    return None if person_id is None else s.scalar(select(Person.email).where(Person.id == person_id))


def gather(
    s: Session,
    city: City,
    definition: Definition,
    actor: str,
    data: Mapping[str, object] | None,
    trigger: str | None = None,
) -> Facts:
    """Only the facts the current state's guards (or this trigger's) can ask about, so an act reads little."""
    facts: dict[str, Any] = {"actor": actor, "data": data}
    state = city.state
    if trigger in (None, "extend_deadline", "acknowledge"):  # the acts guarded by a running deadline
        found = s.scalar(running(city.id, state))
        facts["deadline_due"] = found.due_on if found else None
    if state == j.ONBOARDING:
        facts["onboarding_items"] = {o.key: dict(o.label) for o in definition.onboarding}
        ticks = s.scalars(select(ChecklistTick.item).where(ChecklistTick.city_id == city.id))
        facts["onboarding_done"] = frozenset(ticks)
    if state == j.EXPERIMENT_PLANNING:
        facts["coach"] = coach_of(s, city.id)
    if state == j.PLAN_REVIEW:
        plan = pending_plan(s, city.id)
        facts["plan_submitted_by"] = email_of(s, plan.submitted_by if plan else None)
    if state in (j.CONTRACTING, j.INVESTMENT_COMMITTEE):
        facts["ceilings"] = definition.ceilings()
    if state == j.INVESTMENT_COMMITTEE:
        plan = pending_plan(s, city.id)
        facts["plan_currency"] = plan.currency if plan else None
    if state in j.FUNDED:
        report = open_report(s, city.id)
        if report is not None and report.state in OPEN_REPORT:
            facts["report_to_submit"] = report.kind
        if report is not None and report.state == "submitted":
            facts["report_submitted_by"] = email_of(s, report.submitted_by)
        facts["final_report_approved"] = (
            s.scalar(
                select(Report.id).where(Report.city_id == city.id, Report.kind == "final", Report.state == "approved")
            )
            is not None
        )
        tranches = experiment_tranches(s, city.id)
        facts["tranches_eligible"] = sum(t.state == "eligible" for t in tranches)
        facts["tranches_unpaid"] = sum(t.state != "paid" for t in tranches)
    return Facts(**facts)
