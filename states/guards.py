"""Guards of the city journey: each says, in plain words, why a change cannot happen yet."""

from __future__ import annotations

from decimal import Decimal

from states.definition import Facts, join_labels


def onboarding_complete(f: Facts) -> str | None:
    """Onboarding ends only when every objective of the checklist is met."""
    missing = [label for key, label in f.onboarding_items.items() if key not in f.onboarding_done]
    if missing:
        return f"Onboarding is not complete: still to do: {join_labels(missing)}."
    return None


def objective_open(f: Facts) -> str | None:
    """An objective can be ticked once, and only if the programme's checklist has it."""
    if f.data is None:
        return None if set(f.onboarding_items) - f.onboarding_done else "Every objective is ticked."
    item = str(f.data.get("item", ""))
    if item not in f.onboarding_items:
        known = join_labels(sorted(f.onboarding_items))
        return f"'{item}' is not an onboarding objective of this programme (known: {known})."
    if item in f.onboarding_done:
        return f"The objective '{f.onboarding_items[item]}' is already ticked."
    return None


def coach_assigned(f: Facts) -> str | None:
    """A plan is reviewed by a coach, so one must be assigned before it is submitted."""
    if f.coach is None:
        return "No coach is assigned to this city yet; the secretariat must assign one first."
    return None


def not_the_plan_submitter(f: Facts) -> str | None:
    """Four-eyes: who submitted the plan never reviews it."""
    if f.plan_submitted_by is not None and f.plan_submitted_by == f.actor:
        return "You submitted this plan, so someone else must review it (four-eyes rule)."
    return None


def within_ceiling(f: Facts) -> str | None:
    """Money promised to a city is in a currency the programme has a ceiling for, and stays under it."""
    if f.data is None:
        return None
    currency = str(f.data.get("currency", ""))
    amount = f.data.get("amount")
    if currency not in f.ceilings:
        allowed = join_labels(sorted(f.ceilings)) or "none"
        return f"The programme sets no ceiling in {currency}; amounts may be in: {allowed}."
    if isinstance(amount, Decimal) and amount > f.ceilings[currency]:
        return f"{amount} {currency} is above the programme's ceiling of {f.ceilings[currency]} {currency}."
    return None


def report_to_submit(f: Facts) -> str | None:
    """A report is submitted only when one is due or was sent back for changes."""
    if f.report_to_submit is None:
        return "No report is due from this city right now."
    return None


def report_awaiting_review(f: Facts) -> str | None:
    """Only a submitted report can be approved or sent back."""
    if f.report_submitted_by is None:
        return "No submitted report is waiting for review."
    return None


def not_the_report_submitter(f: Facts) -> str | None:
    """Four-eyes: who submitted the report never approves it."""
    if f.report_submitted_by is not None and f.report_submitted_by == f.actor:
        return "You submitted this report, so someone else must review it (four-eyes rule)."
    return None


def no_report_under_review(f: Facts) -> str | None:
    """The final phase starts once no submitted report is left waiting for its review."""
    if f.report_submitted_by is not None:
        return "A submitted report is waiting for review; it must be approved or sent back first."
    return None


def tranche_eligible(f: Facts) -> str | None:
    """Finance pays a tranche only once its condition is met."""
    if f.tranches_eligible == 0:
        return "No tranche is eligible for payment: its condition is not met yet."
    return None


def final_report_approved(f: Facts) -> str | None:
    """The journey closes on an approved final report."""
    if not f.final_report_approved:
        return "The final report has not been approved yet."
    return None


def all_tranches_paid(f: Facts) -> str | None:
    """The journey closes only when the city has received all it was awarded."""
    if f.tranches_unpaid:
        return f"{f.tranches_unpaid} tranche(s) of the grant are still unpaid."
    return None


def deadline_open(f: Facts) -> str | None:
    """Only a running deadline can be extended."""
    if f.deadline_due is None:
        return "The city has no running deadline to extend (neither its stage's nor a report's)."
    return None


def some_detail_given(f: Facts) -> str | None:
    """A change of details changes something."""
    if f.data is not None and not any(f.data.get(k) for k in ("name", "country", "timezone", "languages")):
        return "Give at least one detail to change: name, country, time zone or languages."
    return None


def award_in_plan_currency(f: Facts) -> str | None:
    """The grant funds the plan the committee read: it is awarded in the currency of that plan's budget."""
    if f.data is None or f.plan_currency is None:
        return None
    currency = str(f.data.get("currency", ""))
    if currency and currency != f.plan_currency:
        return f"The plan's budget is in {f.plan_currency}; award the grant in {f.plan_currency}, not {currency}."
    return None
