"""A city's journey through the programme, declared as data (after Hypha's workflow definitions)."""

from __future__ import annotations

from typing import Final

from states import guards as g
from states.definition import (
    RETURN,
    FieldDef,
    FieldKind,
    Guard,
    Lifecycle,
    Role,
    StateDef,
    Tag,
    TransitionDef,
)

SELECTED: Final = "selected"
CONFIRMED: Final = "confirmed"
DECLINED: Final = "declined"
CONTRACTING: Final = "contracting"
AWAITING_FIRST_PAYMENT: Final = "awaiting_first_payment"
ONBOARDING: Final = "onboarding"
EXPERIMENT_PLANNING: Final = "experiment_planning"
PLAN_REVIEW: Final = "plan_review"
INVESTMENT_COMMITTEE: Final = "investment_committee"
EXPERIMENTING: Final = "experimenting"
FINAL_REPORTING: Final = "final_reporting"
COMPLETED: Final = "completed"
REJECTED: Final = "rejected"
PAUSED: Final = "paused"
WITHDRAWN: Final = "withdrawn"

A, T = Tag.ACTIVE, Tag.TERMINAL
SEC, FIN, COACH, LEAD = Role.SECRETARIAT, Role.FINANCE, Role.COACH, Role.CITY_LEAD

STATES: Final = (
    StateDef(SELECTED, "Selected", frozenset({A, Tag.WAITING_ON_CITY})),
    StateDef(CONFIRMED, "Confirmed", frozenset({A, Tag.WAITING_ON_SECRETARIAT})),
    StateDef(DECLINED, "Declined", frozenset({T})),
    StateDef(CONTRACTING, "Contracting", frozenset({A, Tag.WAITING_ON_CITY})),
    StateDef(AWAITING_FIRST_PAYMENT, "Awaiting first payment", frozenset({A, Tag.WAITING_ON_FINANCE})),
    StateDef(ONBOARDING, "Onboarding", frozenset({A, Tag.WAITING_ON_CITY})),
    StateDef(EXPERIMENT_PLANNING, "Experiment planning", frozenset({A, Tag.WAITING_ON_CITY})),
    StateDef(PLAN_REVIEW, "Plan review", frozenset({A, Tag.WAITING_ON_COACH})),
    StateDef(INVESTMENT_COMMITTEE, "Investment committee", frozenset({A, Tag.WAITING_ON_COMMITTEE})),
    StateDef(EXPERIMENTING, "Experimenting", frozenset({A, Tag.WAITING_ON_CITY})),
    StateDef(FINAL_REPORTING, "Final reporting", frozenset({A, Tag.WAITING_ON_CITY})),
    StateDef(COMPLETED, "Completed", frozenset({T})),
    StateDef(REJECTED, "Not funded", frozenset({T})),
    StateDef(PAUSED, "Paused", frozenset({Tag.PAUSED})),
    StateDef(WITHDRAWN, "Withdrawn", frozenset({T})),
)

ACTIVE: Final = tuple(s.name for s in STATES if A in s.tags)
FUNDED: Final = (EXPERIMENTING, FINAL_REPORTING)
AFTER_ONBOARDING: Final = (
    ONBOARDING,
    EXPERIMENT_PLANNING,
    PLAN_REVIEW,
    INVESTMENT_COMMITTEE,
    EXPERIMENTING,
    FINAL_REPORTING,
)

# Everyone a reminder or an escalation can reach: each may say, from the message, that they have seen it.
REMINDED: Final = {SEC, FIN, COACH, LEAD, Role.CITY_MEMBER, Role.MAYOR, Role.COMMITTEE_MEMBER}
INVITATION: Final = "invitation"  # what confirm and decline answer: nothing submits it, so no coach reviews it

REASON = FieldDef("reason", FieldKind.TEXT, "Reason", multiline=True)
CHANGES = FieldDef("changes", FieldKind.TEXT, "Changes asked for", multiline=True)
AMOUNT = FieldDef("amount", FieldKind.DECIMAL, "Amount")
CURRENCY = FieldDef("currency", FieldKind.CURRENCY, "Currency (ISO 4217)")


def _t(
    trigger: str,
    sources: tuple[str, ...] | str,
    dest: str | None,
    label: str,
    roles: set[Role],
    guards: tuple[Guard, ...] = (),
    needs: tuple[FieldDef, ...] = (),
    submits: str | None = None,
    reviews: str | None = None,
    approves: bool = False,
    from_message: bool = False,
) -> TransitionDef:
    """Shorthand that keeps the table below one line per idea."""
    src = (sources,) if isinstance(sources, str) else sources
    return TransitionDef(
        trigger, src, dest, label, frozenset(roles), guards, needs, submits, reviews, approves, from_message
    )


TRANSITIONS: Final = (
    # The selection's one question and its two answers (a link in the selection notice offers both).
    _t(
        "confirm",
        SELECTED,
        CONFIRMED,
        "Confirm interest and availability",
        {LEAD, SEC},
        reviews=INVITATION,
        approves=True,
    ),
    _t("decline", SELECTED, DECLINED, "Decline the invitation", {LEAD, SEC}, needs=(REASON,), reviews=INVITATION),
    _t("send_contract", CONFIRMED, CONTRACTING, "Send the grant agreement", {SEC}),
    _t(
        "sign_contract",
        CONTRACTING,
        AWAITING_FIRST_PAYMENT,
        "Record the contract signed by both sides",
        {SEC},
        guards=(g.within_ceiling,),
        needs=(
            FieldDef("amount", FieldKind.DECIMAL, "Advance due under the contract"),
            CURRENCY,
        ),
    ),
    _t(
        "record_first_payment",
        AWAITING_FIRST_PAYMENT,
        ONBOARDING,
        "Record the first transfer",
        {FIN},
    ),
    _t(
        "tick_objective",
        ONBOARDING,
        None,
        "Tick an onboarding objective",
        {SEC, LEAD},
        guards=(g.objective_open,),
        needs=(FieldDef("item", FieldKind.CHOICE, "Objective"),),
    ),
    _t(
        "finish_onboarding",
        ONBOARDING,
        EXPERIMENT_PLANNING,
        "Close onboarding",
        {SEC},
        guards=(g.onboarding_complete,),
    ),
    _t(
        "change_details",
        (*ACTIVE, PAUSED),
        None,
        "Change the city's name, country, time zone or languages",
        {SEC},
        guards=(g.some_detail_given,),
        needs=(
            FieldDef("name", FieldKind.TEXT, "Name", False),
            FieldDef("country", FieldKind.COUNTRY, "Country (ISO 3166 code)", False),
            FieldDef("timezone", FieldKind.TIMEZONE, "Time zone (e.g. Africa/Bamako)", False),
            FieldDef("languages", FieldKind.LANGUAGES, "Languages (e.g. fr;en)", False),
        ),
    ),
    _t(
        "assign_coach",
        ACTIVE,
        None,
        "Assign the experimentation coach",
        {SEC},
        needs=(FieldDef("coach", FieldKind.PERSON, "Coach (email)"),),
    ),
    _t(
        "submit_plan",
        EXPERIMENT_PLANNING,
        PLAN_REVIEW,
        "Submit the experiment plan",
        {LEAD, SEC},
        guards=(g.coach_assigned,),
        submits="plan",
        needs=(
            FieldDef("title", FieldKind.TEXT, "Title"),
            FieldDef("hypothesis", FieldKind.TEXT, "Objectives and hypotheses", multiline=True),
            FieldDef("budget", FieldKind.DECIMAL, "Budget"),
            CURRENCY,
            FieldDef("duration_months", FieldKind.INTEGER, "Duration (months)"),
            FieldDef("procurement", FieldKind.TEXT, "Procurement and permits needed", False, multiline=True),
        ),
    ),
    _t(
        "request_plan_changes",
        PLAN_REVIEW,
        EXPERIMENT_PLANNING,
        "Ask for changes to the plan",
        {COACH, SEC},
        guards=(g.not_the_plan_submitter,),
        needs=(CHANGES,),
        reviews="plan",
    ),
    _t(
        "send_to_committee",
        PLAN_REVIEW,
        INVESTMENT_COMMITTEE,
        "Decide the city is ready for its investment committee",
        {COACH, SEC},
        guards=(g.not_the_plan_submitter,),
        reviews="plan",
        approves=True,
    ),
    _t(
        "approve_grant",
        INVESTMENT_COMMITTEE,
        EXPERIMENTING,
        "Record the committee's approval and the grant",
        {SEC},
        guards=(g.within_ceiling, g.award_in_plan_currency),
        needs=(AMOUNT, CURRENCY),
    ),
    _t(
        "revise_plan",
        INVESTMENT_COMMITTEE,
        EXPERIMENT_PLANNING,
        "Record the committee's request for a revised plan",
        {SEC},
        needs=(CHANGES,),
    ),
    _t(
        "reject_plan",
        INVESTMENT_COMMITTEE,
        REJECTED,
        "Record the committee's rejection",
        {SEC},
        needs=(REASON,),
    ),
    _t(
        "submit_report",
        FUNDED,
        None,
        "Submit the report that is due",
        {LEAD, SEC},
        guards=(g.report_to_submit,),
        submits="report",
        needs=(FieldDef("summary", FieldKind.TEXT, "Summary of results and learning", multiline=True),),
    ),
    _t(
        "request_report_changes",
        FUNDED,
        None,
        "Ask for changes to the submitted report",
        {COACH, SEC},
        guards=(g.report_awaiting_review, g.not_the_report_submitter),
        needs=(CHANGES,),
        reviews="report",
    ),
    _t(
        "approve_report",
        FUNDED,
        None,
        "Approve the submitted report",
        {COACH, SEC},
        guards=(g.report_awaiting_review, g.not_the_report_submitter),
        reviews="report",
        approves=True,
    ),
    _t(
        "pay_tranche",
        FUNDED,
        None,
        "Record payment of the next eligible tranche",
        {FIN},
        guards=(g.tranche_eligible,),
    ),
    _t(
        "begin_final_report",
        EXPERIMENTING,
        FINAL_REPORTING,
        "Close the experiment and ask for the final report",
        {COACH, SEC},
        guards=(g.no_report_under_review,),
    ),
    _t(
        "complete",
        FINAL_REPORTING,
        COMPLETED,
        "Close the city's journey",
        {SEC},
        guards=(g.final_report_approved, g.all_tranches_paid),
    ),
    _t(
        "extend_deadline",
        ACTIVE,
        None,
        "Extend the current stage's deadline (local processes take time)",
        {SEC},
        guards=(g.deadline_open,),
        needs=(FieldDef("days", FieldKind.INTEGER, "Business days to add"), REASON),
    ),
    _t(
        "acknowledge",
        ACTIVE,
        None,
        "Acknowledge the reminder",
        REMINDED,
        guards=(g.reminder_running,),
        from_message=True,
    ),
    _t("pause", ACTIVE, PAUSED, "Pause (timers frozen)", {SEC}, needs=(REASON,)),
    _t("resume", PAUSED, RETURN, "Resume where the city left off", {SEC}),
    _t(
        "withdraw",
        (*ACTIVE, PAUSED),
        WITHDRAWN,
        "Withdraw the city from the programme",
        {SEC},
        needs=(REASON,),
    ),
)

CITY_JOURNEY: Final = Lifecycle(
    name="city",
    version="city-journey/1",
    initial=SELECTED,
    states=STATES,
    transitions=TRANSITIONS,
)
