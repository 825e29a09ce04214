"""Every version of a city's reports, read back from the audit trail: what was submitted, what was asked, by whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEvent, Person, Report

STEPS = {"submit_report": "submitted", "request_report_changes": "changes", "approve_report": "approved"}


@dataclass(frozen=True)
class Round:
    """One turn of a report's review: a version submitted, changes asked for, or the approval."""

    step: str  # "submitted", "changes" or "approved"
    version: int  # which submission of the report this turn is about
    by: str  # the person's name (an import's source when no person acted)
    at: datetime
    text: str  # the summary submitted, or the changes asked for; empty for an approval


def report_rounds(s: Session, city_id: int) -> dict[tuple[str, int], tuple[Round, ...]]:
    """Each report's turns, oldest first; the row keeps only the latest summary, the trail keeps them all.

    Reports are written one at a time, in the order they were opened: every turn belongs to the report that
    was open when it happened, and an approval closes it.
    """
    found = s.execute(select(Report.kind, Report.number).where(Report.city_id == city_id).order_by(Report.id))
    opened = [(kind, number) for kind, number in found]
    events = s.execute(
        select(AuditEvent.trigger, AuditEvent.at, AuditEvent.data, AuditEvent.actor, Person.name)
        .outerjoin(Person, Person.id == AuditEvent.actor_id)
        .where(AuditEvent.city_id == city_id, AuditEvent.trigger.in_(STEPS))
        .order_by(AuditEvent.seq)
    )
    rounds: dict[tuple[str, int], list[Round]] = {}
    current, version = 0, 0
    for trigger, at, data, actor, name in events:
        if current >= len(opened):
            break
        step = STEPS[trigger]
        version += step == "submitted"
        text = str((data or {}).get("summary" if step == "submitted" else "changes") or "")
        rounds.setdefault(opened[current], []).append(Round(step, version, name or actor, at, text))
        if step == "approved":
            current, version = current + 1, 0
    return {key: tuple(turns) for key, turns in rounds.items()}
