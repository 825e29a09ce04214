"""Every act, sweep and schedule writes its messages to the right readers, in the same transaction."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import act
from engine.deadlines.sweep import sweep
from engine.errors import Refused
from engine.intake.importers import import_people
from engine.views.digest import network_bulletin, weekly_digest
from models import City, Deadline, OutboxMessage, Person
from support import (
    COACH_BKO,
    COMMITTEE_BKO,
    EXAMPLES,
    FINANCE,
    LEAD_BKO,
    MAYOR_BKO,
    MEMBER_BKO,
    SECRETARIAT,
    Network,
)

SECRETARIES = {SECRETARIAT, "tom.baker@aston.example.org"}
TEAM = {LEAD_BKO, MEMBER_BKO}


def mail(network: Network, city: str | None = None) -> dict[str, set[str]]:
    """Who got which kind of email (about one city, if named), as {kind: {email, ...}}."""
    found: dict[str, set[str]] = defaultdict(set)
    with network.sessions() as s:
        query = (
            select(OutboxMessage.kind, Person.email)
            .join(Person, Person.id == OutboxMessage.recipient_id)
            .where(OutboxMessage.channel == "email")
        )
        if city:
            query = query.join(City, City.id == OutboxMessage.city_id).where(City.code == city)
        for kind, email in s.execute(query):
            found[kind].add(email)
    return dict(found)


def payload(network: Network, kind: str, to: str | None = None) -> dict[str, object]:
    """The newest message of a kind (to one reader, if named)."""
    query = select(OutboxMessage.payload).join(Person, Person.id == OutboxMessage.recipient_id)
    query = query.where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    with network.sessions() as s:
        rows = list(s.scalars(query.where(Person.email == to) if to else query))
    assert rows, f"no {kind} message"
    return dict(rows[-1])


def test_a_selected_city_team_is_asked_to_confirm_once(network: Network) -> None:
    """Loading the sample programme asks every city team to confirm; importing the people again asks nobody twice."""
    assert mail(network)["selection_notice"] >= TEAM
    before = len(mail(network)["selection_notice"])
    import_people(network.sessions, EXAMPLES / "people.csv", at=network.tick())
    assert len(mail(network)["selection_notice"]) == before
    notice = payload(network, "selection_notice")
    assert notice["next_deadline"] is not None


def test_the_journey_tells_each_reader_what_concerns_them(network: Network) -> None:
    """From confirmation to completion: team, coach, committee, finance and mayor each hear their part."""
    network.walk("BKO", "<end>")
    got = mail(network)
    assert got["welcome"] == TEAM | SECRETARIES
    assert got["contract_sent"] == TEAM
    assert got["contract_signed"] == TEAM | {FINANCE}
    assert got["first_payment"] == TEAM  # news for the secretariat's digest, not a letter of its own
    assert got["onboarding_checklist"] == TEAM
    assert got["plan_submitted"] == {COACH_BKO}
    assert got["ready_for_committee"] == {COMMITTEE_BKO, LEAD_BKO}
    assert got["committee_decision"] == TEAM | {COACH_BKO, FINANCE}  # the secretariat recorded it
    assert got["report_submitted"] == {COACH_BKO}
    assert got["completed"] == TEAM | {COACH_BKO, MAYOR_BKO}
    assert "tick_objective" not in got, "ticking an objective is progress for the digest, not an email"
    decision = payload(network, "committee_decision")
    assert decision["decision"] == "approve_grant"
    assert decision["grant"]["amount"] == "40000.00" and len(decision["grant"]["tranches"]) == 3  # type: ignore[index]
    paid = payload(network, "tranche_paid")
    assert paid["grant"]["paid"] == paid["grant"]["amount"] and paid["grant"]["balance"] == "0.00"  # type: ignore[index]
    checklist = payload(network, "onboarding_checklist")
    assert checklist["objectives"][0]["fr"] == "Participation à l'événement inaugural"  # type: ignore[index]


def test_a_refused_act_writes_no_message(network: Network) -> None:
    """Messages are written with the change: no change, no message."""
    before = mail(network)
    with pytest.raises(Refused):
        network.act("BKO", "send_contract", LEAD_BKO)
    assert mail(network) == before


def test_a_pause_and_a_withdrawal_tell_the_team_and_the_coach_not_the_secretariat_that_did_it(network: Network) -> None:
    network.walk("BKO", "submit_plan")
    network.act("BKO", "pause", SECRETARIAT, reason="Floods")
    network.act("BKO", "resume", SECRETARIAT)
    network.act("BKO", "withdraw", SECRETARIAT, reason="Council decision")
    got = mail(network)
    assert got["paused"] == got["resumed"] == TEAM | {COACH_BKO}
    assert got["withdrawn"] == TEAM | {COACH_BKO, FINANCE}
    assert payload(network, "paused")["data"] == {"reason": "Floods"}
    assert payload(network, "withdrawn")["data"] == {"reason": "Council decision"}


def test_the_sweep_writes_reminders_escalations_and_alarms_by_kind(network: Network) -> None:
    """A city silent past its deadline: reminders to the team, then the coach, the secretariat, the mayor."""
    network.act("BKO", "confirm", LEAD_BKO)
    network.act("BKO", "send_contract", SECRETARIAT)  # contracting waits on the city: its ladder chases the city
    at = network.clock
    for _ in range(160):
        at += timedelta(days=1)
        sweep(network.sessions, at)
    got = mail(network, "BKO")
    assert got["deadline.reminder"] == TEAM
    assert got["deadline.escalation.coach"] == {COACH_BKO}
    assert got["deadline.escalation.secretariat"] >= SECRETARIES
    assert got["deadline.escalation.mayor"] == {MAYOR_BKO}
    assert got["alarm.selection_to_start"] >= SECRETARIES
    assert "alarm.silent" not in got, "a late city gone quiet is listed in the digest, which lists it as late"
    rung = payload(network, "deadline.escalation.mayor", MAYOR_BKO)
    assert rung["stage"] == "contracting" and rung["business_days"] == 30


def test_the_digest_and_bulletin_are_written_once_a_week(network: Network) -> None:
    """Running the weekly jobs twice in a week writes nothing more; the next week writes again."""
    network.act("BKO", "confirm", LEAD_BKO)
    at = network.tick()
    assert weekly_digest(network.sessions, at) == len(SECRETARIES)  # the first: the news of the cohort
    assert weekly_digest(network.sessions, at + timedelta(hours=2)) == 0
    digest = payload(network, "weekly_digest")
    stages = {c["name"]: c["stage"] for c in digest["cities"]}  # type: ignore[attr-defined]
    assert stages["Bamako"] == "confirmed" and list(stages.values()).count("selected") == 11
    everyone = network_bulletin(network.sessions, at)
    assert everyone == 33 and network_bulletin(network.sessions, at) == 0  # the secretariat reads its digest
    assert weekly_digest(network.sessions, at + timedelta(days=7)) == 0  # nothing late, nothing new: no digest
    assert weekly_digest(network.sessions, at + timedelta(days=21)) == len(SECRETARIES)  # Bamako's contract is late
    bulletin = payload(network, "network_bulletin")
    assert ["Bamako", "confirmed", at.date().isoformat()] in bulletin["moves"]  # type: ignore[operator]


def test_an_act_commits_its_messages_with_it(network: Network) -> None:
    """The outbox row and the state change are one transaction: both are there, with the event for orchestration."""
    result = act(network.sessions, "BKO", "confirm", LEAD_BKO, at=network.tick())
    with network.sessions() as s:
        keys = set(s.scalars(select(OutboxMessage.key).where(OutboxMessage.created_at == result.at)))
    assert f"event:BKO:{result.version}" in keys
    assert {k.rsplit(":", 1)[0] for k in keys if k.startswith("welcome:")} == {f"welcome:BKO:{result.version}"}


def test_the_reason_an_act_asks_for_is_what_the_message_says(network: Network) -> None:
    """A pause's reason and a coach's requested changes are required fields: the message carries them."""
    network.walk("BKO", "send_to_committee")
    network.act("BKO", "request_plan_changes", COACH_BKO, changes="Say what you will measure")
    assert payload(network, "changes_requested", LEAD_BKO)["reason"] == "Say what you will measure"
    network.act("BKO", "pause", SECRETARIAT, reason="Floods")
    assert payload(network, "paused", LEAD_BKO)["reason"] == "Floods"


def test_an_extension_names_the_deadline_that_moved(network: Network) -> None:
    """The current stage's deadline, with its new date, even when another deadline is nearer."""
    network.act("BKO", "confirm", LEAD_BKO)
    network.act("BKO", "extend_deadline", SECRETARIAT, days="10", reason="Council meets next month")
    moved = payload(network, "deadline_extended", LEAD_BKO)["next_deadline"]
    with network.sessions() as s:
        due = s.scalar(
            select(Deadline.due_on)
            .join(City, City.id == Deadline.city_id)
            .where(City.code == "BKO", Deadline.subject == "confirmed", Deadline.state == "open")
        )
    assert moved == {"subject": "confirmed", "due_on": due.isoformat()}  # type: ignore[union-attr]
