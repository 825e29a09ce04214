"""What an act or a join says, and to whom: outbox rows written in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from engine.deadlines.timers import running
from engine.journey.effects import Actor
from engine.journey.facts import experiment_tranches, pending_plan
from models import City, Deadline, Grant, OutboxMessage, Person, Report, Tranche
from models.money import Money
from models.programme import Definition
from notifications.catalogue import JOINED, KINDS, ON_TRIGGER
from notifications.readers import holders, readers
from notifications.words import tranche_names

OUTBOX = cast(Table, OutboxMessage.__table__)
TIMED = ("stage", "report")  # deadlines a city team is told about; alarms are the secretariat's


def next_deadline(s: Session, city_id: int) -> dict[str, str] | None:
    """The city's nearest open stage or report deadline, as the messages name it."""
    row = s.execute(
        select(Deadline.subject, Deadline.due_on)
        .where(Deadline.city_id == city_id, Deadline.state == "open", Deadline.kind.in_(TIMED))
        .order_by(Deadline.due_on, Deadline.id)
        .limit(1)
    ).first()
    return {"subject": row.subject, "due_on": row.due_on.isoformat()} if row else None


def _money(minor: int, currency: str) -> str:
    return str(Money.from_minor(minor, currency).amount)


def _grant(s: Session, city_id: int, purpose: str) -> dict[str, Any] | None:
    grant = s.scalar(select(Grant).where(Grant.city_id == city_id, Grant.purpose == purpose))
    if grant is None:
        return None
    return {
        "amount": _money(grant.amount_minor, grant.currency),
        "paid": _money(grant.paid_minor, grant.currency),
        "balance": _money(grant.amount_minor - grant.paid_minor, grant.currency),
        "currency": grant.currency,
        "tranches": [
            _tranche(t.number, t.share, t.condition)
            | {"amount": [_money(t.amount_minor, grant.currency), grant.currency]}
            for t in experiment_tranches(s, city_id)
        ]
        if purpose == "experiment"
        else [],
    }


def _plan(s: Session, city_id: int) -> dict[str, Any] | None:
    plan = pending_plan(s, city_id)
    if plan is None:
        return None
    return {
        "title": plan.title,
        "hypothesis": plan.hypothesis,
        "budget": _money(plan.budget_minor, plan.currency),
        "currency": plan.currency,
    }


def _report(s: Session, city_id: int) -> dict[str, Any] | None:
    report = s.scalar(
        select(Report)
        .where(Report.city_id == city_id, Report.submitted_at.is_not(None))
        .order_by(Report.submitted_at.desc(), Report.id.desc())
        .limit(1)
    )
    if report is None:
        return None
    subject = "final" if report.kind == "final" else f"periodic_report_{report.number}"
    return {"subject": subject, "summary": report.summary or ""}


def _tranche(number: int, share: int, condition: str) -> dict[str, Any]:
    """A tranche as the messages name it: its number, share and condition, and those in words in each language."""
    return {"number": number, "share": share, "condition": condition, "name": tranche_names(number, share, condition)}


def _last_paid(s: Session, city_id: int) -> dict[str, Any] | None:
    row = s.execute(
        select(
            Tranche.name,
            Tranche.number,
            Tranche.share,
            Tranche.condition,
            Tranche.amount_minor,
            Grant.currency,
            Grant.purpose,
        )
        .join(Grant, Grant.id == Tranche.grant_id)
        .where(Grant.city_id == city_id, Tranche.paid_at.is_not(None))
        .order_by(Tranche.paid_at.desc(), Tranche.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return {"label": row.name, "amount": _money(row.amount_minor, row.currency), "currency": row.currency} | _tranche(
        row.number, row.share, row.condition
    )


def _details(s: Session, city: City, trigger: str, data: Mapping[str, Any], definition: Definition) -> dict[str, Any]:
    """What each kind of message needs beyond the act itself, read after the act's own writes."""
    match trigger:
        case "record_first_payment":
            paid = _last_paid(s, city.id)
            return {"paid": paid, "objectives": [dict(o.label) for o in definition.onboarding]}
        case "assign_coach":
            coach = s.execute(select(Person.name, Person.email).where(Person.email == data["coach"])).one()
            return {"coach": {"name": coach.name, "email": coach.email}}
        case "submit_plan" | "send_to_committee":
            return {"plan": _plan(s, city.id)}
        case "request_plan_changes" | "request_report_changes":
            return {"what": "report" if trigger == "request_report_changes" else "plan"}
        case "approve_grant" | "revise_plan" | "reject_plan":
            return {"decision": trigger, "grant": _grant(s, city.id, "experiment")}
        case "pay_tranche":
            return {"tranche": _last_paid(s, city.id), "grant": _grant(s, city.id, "experiment")}
        case "submit_report" | "approve_report":
            return {"report": _report(s, city.id)}
        case "extend_deadline":  # the deadline that moved (the stage's, or the report's), not merely the nearest
            moved = s.scalar(running(city.id, city.state))
            return {"next_deadline": {"subject": moved.subject, "due_on": moved.due_on.isoformat()}} if moved else {}
    return {}


def email_row(key: str, kind: str, city_id: int | None, person_id: int, payload: Any, at: datetime) -> dict[str, Any]:
    """One outbox row for one reader, due at once; every writer of email rows builds them here."""
    return {
        "key": key,
        "kind": kind,
        "channel": "email",
        "city_id": city_id,
        "recipient_id": person_id,
        "payload": payload,
        "created_at": at,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": at,
    }


def queue_new(s: Session, rows: list[dict[str, Any]]) -> int:
    """Insert the rows whose keys are not there yet (jobs that may run twice: a weekly digest, a re-import)."""
    if not rows:
        return 0
    keys = [r["key"] for r in rows]
    known: set[str] = set()
    for start in range(0, len(keys), 1000):  # bounded IN lists, whatever the cohort's size
        known.update(s.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(keys[start : start + 1000]))))
    fresh = [r for r in rows if r["key"] not in known]
    if fresh:
        s.execute(insert(OUTBOX), fresh)
    return len(fresh)


def _rows(
    city_id: int,
    codes: Iterable[str],
    people: Mapping[str, list[int]],
    stem: str,
    payload: dict[str, Any],
    at: datetime,
) -> list[dict[str, Any]]:
    return [
        email_row(f"{code}:{stem}:{person_id}", code, city_id, person_id, payload, at)
        for code in codes
        for person_id in people[code]
    ]


def after_act(
    s: Session,
    city: City,
    *,
    seq: int,
    trigger: str,
    actor: Actor | Person,
    from_state: str,
    to_state: str,
    note: str | None,
    data: Mapping[str, Any],
    definition: Definition,
    at: datetime,
    version: int,
) -> None:
    """The act's messages, one row per reader, keyed by (kind, city, event, reader) so each exists once."""
    codes = ON_TRIGGER.get(trigger, ())
    if not codes:
        return
    people = {code: holders(s, (city.id,), KINDS[code].audiences) for code in codes}
    payload = {
        "trigger": trigger,
        "actor": actor.name,
        "actor_email": actor.email,
        "note": note,
        "reason": data.get("reason") or data.get("changes") or note,  # what a person reads as "why"
        "from": from_state,
        "to": to_state,
        "data": {k: v if isinstance(v, (str, int, bool)) or v is None else str(v) for k, v in data.items()},
        "next_deadline": next_deadline(s, city.id),
        "version": version,  # the city's version after the act: an approval link is bound to it
        **_details(s, city, trigger, data, definition),
    }
    rows = _rows(city.id, codes, people, f"{city.code}:{seq}", payload, at)
    if rows:
        s.execute(insert(OUTBOX), rows)


def selection_notices(s: Session, at: datetime) -> int:
    """Every selected city's team asked to confirm interest and availability, by when; once per reader.

    Run after each import: cities usually arrive before their people, and a city team named later is told too.
    A few statements for the whole cohort, whatever its size (an import of a thousand cities runs it once).
    """
    cities = s.execute(
        select(City.id, City.code, City.selected_at).where(City.state == "selected").order_by(City.id)
    ).all()
    ids = [c.id for c in cities]
    found = readers(s, ids, {role for code in JOINED for role in KINDS[code].audiences})
    nearest: dict[int, dict[str, str]] = {}
    for city_id, subject, due_on in s.execute(
        select(Deadline.city_id, Deadline.subject, Deadline.due_on)
        .where(Deadline.city_id.in_(ids), Deadline.state == "open", Deadline.kind.in_(TIMED))
        .order_by(Deadline.due_on.desc(), Deadline.id.desc())
    ):
        nearest[city_id] = {"subject": subject, "due_on": due_on.isoformat()}  # the last written is the soonest
    rows: list[dict[str, Any]] = []
    for city in cities:
        people = {
            code: sorted({r.person_id for role in KINDS[code].audiences for r in found.of(city.id, role)})
            for code in JOINED
        }
        payload = {
            "trigger": "join",
            "actor": "",
            "note": None,
            "at": city.selected_at.isoformat(),
            "next_deadline": nearest.get(city.id),
        }
        rows += _rows(city.id, JOINED, people, f"{city.code}:join", payload, at)
    return queue_new(s, rows)
