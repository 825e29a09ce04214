"""Guards of the city journey: each says, in plain words, why a change cannot happen yet."""

from __future__ import annotations

from decimal import Decimal

from states.definition import Facts
from states.reasons import Amount, Listed, Objective, Reason


def _objective(f: Facts, key: str) -> Objective:
    """An objective of the programme, with its labels in every language the programme gives."""
    return Objective(key, dict(f.onboarding_items.get(key, {})))


def onboarding_complete(f: Facts) -> Reason | None:
    """Onboarding ends only when every objective of the checklist is met."""
    missing = tuple(_objective(f, key) for key in f.onboarding_items if key not in f.onboarding_done)
    if missing:
        return Reason(
            "onboarding_incomplete", "Onboarding is not complete: still to do: {missing}.", missing=Listed(missing)
        )
    return None


def objective_open(f: Facts) -> Reason | None:
    """An objective can be ticked once, and only if the programme's checklist has it."""
    if f.data is None:
        if set(f.onboarding_items) - f.onboarding_done:
            return None
        return Reason("all_objectives_ticked", "Every objective is ticked.")
    item = str(f.data.get("item", ""))
    if item not in f.onboarding_items:
        known = Listed(tuple(_objective(f, key) for key in f.onboarding_items), either=True)
        return Reason(
            "objective_unknown",
            "'{item}' is not an onboarding objective of this programme; choose {known}.",
            item=item,
            known=known,
        )
    if item in f.onboarding_done:
        return Reason(
            "objective_ticked", "The objective '{objective}' is already ticked.", objective=_objective(f, item)
        )
    return None


def coach_assigned(f: Facts) -> Reason | None:
    """A plan is reviewed by a coach, so one must be assigned before it is submitted."""
    if f.coach is None:
        return Reason("no_coach", "No coach is assigned to this city yet; the secretariat must assign one first.")
    return None


def not_the_plan_submitter(f: Facts) -> Reason | None:
    """Four-eyes: who submitted the plan never reviews it."""
    if f.plan_submitted_by is not None and f.plan_submitted_by == f.actor:
        return Reason("own_plan", "You submitted this plan, so someone else must review it (four-eyes rule).")
    return None


def within_ceiling(f: Facts) -> Reason | None:
    """Money promised to a city is in a currency the programme has a ceiling for, and stays under it."""
    if f.data is None:
        return None
    currency = str(f.data.get("currency", ""))
    amount = f.data.get("amount")
    if currency not in f.ceilings:
        if not f.ceilings:
            return Reason("no_ceiling_at_all", "The programme sets no ceiling for grants; no amount may be awarded.")
        allowed = Listed(tuple(sorted(f.ceilings)))
        return Reason(
            "no_ceiling",
            "The programme sets no ceiling in {currency}; amounts may be in: {allowed}.",
            currency=currency,
            allowed=allowed,
        )
    if isinstance(amount, Decimal) and amount > f.ceilings[currency]:
        return Reason(
            "above_ceiling",
            "{amount} is above the programme's ceiling of {ceiling}.",
            amount=Amount(amount, currency),
            ceiling=Amount(f.ceilings[currency], currency),
        )
    return None


def report_to_submit(f: Facts) -> Reason | None:
    """A report is submitted only when one is due or was sent back for changes."""
    if f.report_to_submit is None:
        return Reason("no_report_due", "No report is due from this city right now.")
    return None


def report_awaiting_review(f: Facts) -> Reason | None:
    """Only a submitted report can be approved or sent back."""
    if f.report_submitted_by is None:
        return Reason("no_report_to_review", "No submitted report is waiting for review.")
    return None


def not_the_report_submitter(f: Facts) -> Reason | None:
    """Four-eyes: who submitted the report never approves it."""
    if f.report_submitted_by is not None and f.report_submitted_by == f.actor:
        return Reason("own_report", "You submitted this report, so someone else must review it (four-eyes rule).")
    return None


def no_report_under_review(f: Facts) -> Reason | None:
    """The final phase starts once no submitted report is left waiting for its review."""
    if f.report_submitted_by is not None:
        return Reason(
            "report_under_review", "A submitted report is waiting for review; it must be approved or sent back first."
        )
    return None


def tranche_eligible(f: Facts) -> Reason | None:
    """Finance pays a tranche only once its condition is met."""
    if f.tranches_eligible == 0:
        return Reason("no_tranche_eligible", "No tranche is eligible for payment: its condition is not met yet.")
    return None


def final_report_approved(f: Facts) -> Reason | None:
    """The journey closes on an approved final report."""
    if not f.final_report_approved:
        return Reason("final_report_pending", "The final report has not been approved yet.")
    return None


def all_tranches_paid(f: Facts) -> Reason | None:
    """The journey closes only when the city has received all it was awarded."""
    if f.tranches_unpaid == 1:
        return Reason("one_tranche_unpaid", "One tranche of the grant is still unpaid.")
    if f.tranches_unpaid:
        return Reason("tranches_unpaid", "{count} tranches of the grant are still unpaid.", count=f.tranches_unpaid)
    return None


def deadline_open(f: Facts) -> Reason | None:
    """Only a running deadline can be extended."""
    if f.deadline_due is None:
        return Reason("no_deadline", "The city has no running deadline to extend (neither its stage's nor a report's).")
    return None


def reminder_running(f: Facts) -> Reason | None:
    """A reminder is acknowledged only while the deadline it chases is still running."""
    if f.deadline_due is None:
        return Reason(
            "no_deadline_to_acknowledge", "The city has no running deadline, so there is no reminder to acknowledge."
        )
    return None


def some_detail_given(f: Facts) -> Reason | None:
    """A change of details changes something."""
    if f.data is not None and not any(f.data.get(k) for k in ("name", "country", "timezone", "languages")):
        return Reason("no_detail", "Give at least one detail to change: name, country, time zone or languages.")
    return None


def award_in_plan_currency(f: Facts) -> Reason | None:
    """The grant funds the plan the committee read: it is awarded in the currency of that plan's budget."""
    if f.data is None or f.plan_currency is None:
        return None
    currency = str(f.data.get("currency", ""))
    if currency and currency != f.plan_currency:
        return Reason(
            "award_currency",
            "The plan's budget is in {planned}; award the grant in {planned}, not {currency}.",
            planned=f.plan_currency,
            currency=currency,
        )
    return None
