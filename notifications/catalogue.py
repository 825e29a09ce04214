"""Every message Jalon sends, who reads it, and what causes it; channels and languages are decided elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# Audiences are role names (strings: this layer does not know the lifecycle package). "city" is shorthand
# for the city's lead and team; "self" is a person named in the act (the coach being assigned).
CITY_TEAM: Final = ("city_lead", "city_member")


@dataclass(frozen=True)
class Kind:
    """One kind of message: its template, who reads it, and whether a calendar file goes with it."""

    code: str
    template: str
    audiences: tuple[str, ...]
    about: str  # what a translator or a secretariat reads in `jalon messages`
    calendar: bool = False


def _kind(code: str, audiences: tuple[str, ...], about: str, *, template: str = "", calendar: bool = False) -> Kind:
    """A kind whose template is named after it unless said otherwise."""
    return Kind(code, template or code, audiences, about, calendar)


KINDS: Final[dict[str, Kind]] = {
    k.code: k
    for k in (
        _kind("selection_notice", CITY_TEAM, "The city is selected: confirm interest and availability.", calendar=True),
        _kind("welcome", (*CITY_TEAM, "secretariat"), "The city confirmed: welcome, and what comes next."),
        _kind("declined", ("secretariat",), "The city declined its place."),
        _kind("contract_sent", CITY_TEAM, "The agreement is on its way: what to send back.", calendar=True),
        _kind("contract_signed", (*CITY_TEAM, "finance"), "Both sides signed: the advance can be paid."),
        # News that asks nothing of the secretariat reaches it in its digest, city by city, not one email each.
        _kind("first_payment", CITY_TEAM, "The advance was paid."),
        _kind("onboarding_checklist", CITY_TEAM, "The onboarding objectives to complete.", calendar=True),
        _kind("coach_assigned", (*CITY_TEAM, "coach"), "A coach now accompanies the city."),
        _kind("plan_submitted", ("coach",), "A plan waits for the coach's review."),
        _kind("changes_requested", CITY_TEAM, "The coach asks for changes to a plan or report."),
        _kind("ready_for_committee", ("committee_member", "city_lead"), "The committee pack."),
        # The secretariat records committee decisions and completions itself: it is not told of them again.
        _kind("committee_decision", (*CITY_TEAM, "coach", "finance"), "The committee decided."),
        _kind("tranche_paid", CITY_TEAM, "A grant tranche was paid."),
        _kind("report_submitted", ("coach",), "A report waits for the coach's review."),
        _kind("report_approved", (*CITY_TEAM, "finance"), "The coach approved a report."),
        _kind("final_report_requested", CITY_TEAM, "The final report is now expected.", calendar=True),
        _kind("completed", (*CITY_TEAM, "coach", "mayor"), "The city completed the programme."),
        # Pausing, resuming and withdrawing are the secretariat's own acts: its digest lists them.
        _kind("paused", (*CITY_TEAM, "coach"), "The city's journey is paused; its clocks stop."),
        _kind("resumed", (*CITY_TEAM, "coach"), "The city's journey resumes; deadlines moved."),
        _kind("withdrawn", (*CITY_TEAM, "coach", "finance"), "The city left the programme."),
        _kind("deadline_extended", (*CITY_TEAM, "coach"), "A deadline was moved, with the reason.", calendar=True),
        # Sent by the sweep, one per rung and reader.
        _kind("deadline.reminder", CITY_TEAM, "A stage deadline is near or past.", calendar=True),
        _kind("report_due", CITY_TEAM, "A periodic report is due.", calendar=True),
        _kind("deadline.escalation.coach", ("coach",), "A city of yours is late.", template="escalation"),
        _kind("deadline.escalation.secretariat", ("secretariat",), "A city is late.", template="escalation"),
        _kind("deadline.escalation.finance", ("finance",), "A city is late.", template="escalation"),
        _kind("deadline.escalation.mayor", ("mayor",), "Your city is late.", template="escalation"),
        _kind("alarm.selection_to_start", ("secretariat",), "Selected long ago, still not started.", template="alarm"),
        # A silent city is always a late one (the sweep sees to it): its alarm is listed in the digest, not mailed.
        _kind("alarm.silent", ("secretariat",), "No news from a late city for weeks.", template="alarm"),
        # Sent to one person who asked for it.
        _kind("signin_link", ("self",), "A link to sign in to Jalon's web pages, valid for a short while."),
        # Sent on the secretariat's schedule.
        _kind(
            "weekly_digest",
            ("secretariat",),
            "City by city: stage, deadline, lateness, whose move; alarms and failed deliveries. On Mondays with a late"
            " city, an alarm or a failure; else after four weeks of news.",
        ),
        _kind(
            "network_bulletin",
            ("everyone",),
            "The same upcoming deadlines and events, for every city (the secretariat has them in its digest).",
        ),
    )
}

# What each act says. Triggers not named here (a ticked objective, finishing onboarding) say nothing
# by mail: short and frequent beats a flood, and the weekly digest shows that progress.
ON_TRIGGER: Final[dict[str, tuple[str, ...]]] = {
    "confirm": ("welcome",),
    "decline": ("declined",),
    "send_contract": ("contract_sent",),
    "sign_contract": ("contract_signed",),
    "record_first_payment": ("first_payment", "onboarding_checklist"),
    "assign_coach": ("coach_assigned",),
    "submit_plan": ("plan_submitted",),
    "request_plan_changes": ("changes_requested",),
    "send_to_committee": ("ready_for_committee",),
    "approve_grant": ("committee_decision",),
    "revise_plan": ("committee_decision",),
    "reject_plan": ("committee_decision",),
    "pay_tranche": ("tranche_paid",),
    "submit_report": ("report_submitted",),
    "request_report_changes": ("changes_requested",),
    "approve_report": ("report_approved",),
    "begin_final_report": ("final_report_requested",),
    "complete": ("completed",),
    "pause": ("paused",),
    "resume": ("resumed",),
    "withdraw": ("withdrawn",),
    "extend_deadline": ("deadline_extended",),
}
JOINED: Final = ("selection_notice",)
TEMPLATES: Final = frozenset(k.template for k in KINDS.values())


def kind(code: str) -> Kind:
    """The kind with this code; an outbox row naming an unknown kind is a programming error, said plainly."""
    try:
        return KINDS[code]
    except KeyError:
        raise KeyError(f"No message kind '{code}' in the catalogue.") from None
