"""One city's file as its page shows it: the current deadline and its ladder, checklist, money, reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.lookups import definition_of, find_city
from engine.views.versions import Round, report_rounds
from models import ChecklistTick, Deadline, Grant, Person, Plan, Report, RoleAssignment, Rung, Tranche
from models.money import Money
from states import Role


@dataclass(frozen=True)
class Rungs:
    """A deadline with its reminder ladder: when each rung goes, to whom, and whether it went."""

    subject: str
    due_on: date
    extended_days: int
    frozen: bool
    rungs: tuple[tuple[int, str, datetime, str], ...]  # business days, audience, fire time, state


@dataclass(frozen=True)
class Ledger:
    """A grant: awarded, paid, balance, and its tranches, as Money."""

    purpose: str
    awarded: Money
    paid: Money
    balance: Money
    tranches: tuple[tuple[int, str, int, Money, str], ...]  # number, condition, share, amount, state


@dataclass(frozen=True)
class PlanPaper:
    """A city's latest plan as its reviewers read it: what they decide on."""

    number: int
    title: str
    hypothesis: str  # objectives and hypotheses, line breaks kept
    budget: Money
    duration_months: int
    procurement: str | None
    submitted_at: datetime
    outcome: str | None


@dataclass(frozen=True)
class ReportPaper:
    """A submitted report waiting for its review: its summary, line breaks kept."""

    kind: str  # "periodic" or "final"
    number: int
    summary: str
    submitted_at: datetime | None


@dataclass(frozen=True)
class Papers:
    """What a reviewer decides on for one city: its latest plan, and the report waiting for review (if any)."""

    plan: PlanPaper | None
    report: ReportPaper | None


@dataclass(frozen=True)
class Dossier:
    """Everything on a city's page that is not its history."""

    code: str
    name: str
    state: str
    version: int
    deadline: Rungs | None
    checklist: tuple[tuple[str, dict[str, str], bool], ...]  # key, labels by language, done
    grants: tuple[Ledger, ...]
    reports: tuple[tuple[str, int, str, date | None], ...]  # kind, number, state, due
    papers: Papers = Papers(None, None)
    timezone: str = "UTC"  # the city's: its team reads times in it
    programme_zone: str = "UTC"  # the secretariat's: network people read times in it
    currencies: tuple[str, ...] = ()  # the programme's (its ceilings'): what an amount may be given in
    coaches: tuple[tuple[str, str], ...] = ()  # (email, name) of everyone coaching a city: whom one may assign
    rounds: dict[tuple[str, int], tuple[Round, ...]] = field(default_factory=dict)  # each report's versions


def dossier(sessions: sessionmaker[Session], code: str) -> Dossier:
    """The city's file now."""
    with sessions() as s:
        city = find_city(s, code)
        definition, _ = definition_of(s, city)
        current = s.scalar(
            select(Deadline)
            .where(Deadline.city_id == city.id, Deadline.state == "open", Deadline.kind.in_(("stage", "report")))
            .order_by(Deadline.due_on, Deadline.id)
            .limit(1)
        )
        rungs = None
        if current is not None:
            ladder = s.execute(
                select(Rung.business_days, Rung.audience, Rung.fire_at, Rung.state)
                .where(Rung.deadline_id == current.id)
                .order_by(Rung.seq)
            )
            rungs = Rungs(
                current.subject, current.due_on, current.extended_days, current.frozen_at is not None, tuple(ladder)
            )
        ticked = set(s.scalars(select(ChecklistTick.item).where(ChecklistTick.city_id == city.id)))
        checklist = tuple((o.key, dict(o.label), o.key in ticked) for o in definition.onboarding)
        grants = []
        for g in s.scalars(select(Grant).where(Grant.city_id == city.id).order_by(Grant.id)):
            tranches = s.execute(
                select(Tranche.number, Tranche.condition, Tranche.share, Tranche.amount_minor, Tranche.state)
                .where(Tranche.grant_id == g.id)
                .order_by(Tranche.number)
            )
            grants.append(
                Ledger(
                    g.purpose,
                    Money.from_minor(g.amount_minor, g.currency),
                    Money.from_minor(g.paid_minor, g.currency),
                    Money.from_minor(g.amount_minor - g.paid_minor, g.currency),
                    tuple((n, c, sh, Money.from_minor(m, g.currency), st) for n, c, sh, m, st in tranches),
                )
            )
        reports = s.execute(
            select(Report.kind, Report.number, Report.state, Report.due_on)
            .where(Report.city_id == city.id)
            .order_by(Report.id)
        )
        return Dossier(
            city.code,
            city.name,
            city.state,
            city.version,
            rungs,
            checklist,
            tuple(grants),
            tuple(reports),
            _papers(s, city.id),
            city.timezone,
            definition.timezone,
            tuple(c.currency for c in definition.grant.ceilings),
            _coaches(s),
            report_rounds(s, city.id),
        )


def _coaches(s: Session) -> tuple[tuple[str, str], ...]:
    """The network's coaches by name: a city is given one of them."""
    found = s.execute(
        select(Person.email, Person.name)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(RoleAssignment.role == Role.COACH.value, Person.gone_at.is_(None))
        .distinct()
        .order_by(Person.name)
    )
    return tuple((email, name) for email, name in found)


def papers(sessions: sessionmaker[Session], codes: list[str]) -> dict[str, Papers]:
    """The plan and the waiting report of each city asked for (by code): what "my approvals" shows beside each."""
    with sessions() as s:
        return {code: _papers(s, find_city(s, code).id) for code in codes}


def _papers(s: Session, city_id: int) -> Papers:
    plan = s.scalar(select(Plan).where(Plan.city_id == city_id).order_by(Plan.number.desc()).limit(1))
    report = s.scalar(
        select(Report)
        .where(Report.city_id == city_id, Report.state == "submitted")
        .order_by(Report.submitted_at.desc(), Report.id.desc())
        .limit(1)
    )
    return Papers(
        None
        if plan is None
        else PlanPaper(
            plan.number,
            plan.title,
            plan.hypothesis,
            Money.from_minor(plan.budget_minor, plan.currency),
            plan.duration_months,
            plan.procurement,
            plan.submitted_at,
            plan.outcome,
        ),
        None if report is None else ReportPaper(report.kind, report.number, report.summary or "", report.submitted_at),
    )
