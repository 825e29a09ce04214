"""The one door's rules as a secretariat and coaches meet them: roles, four-eyes, money, audit, conflicts."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from engine import Conflict, InvalidData, NotFound, Refused, act
from engine.journey.audit import replay, verify
from engine.views.queries import can, history, status
from models import AuditEvent, Grant, OutboxMessage, Plan, Tranche
from support import (
    COACH_BEN,
    COACH_BKO,
    FINANCE,
    LEAD_BKO,
    PLAN,
    SECRETARIAT,
    SECRETARIAT_2,
    Network,
)


def state_of(network: Network, city: str) -> str:
    return next(r.state for r in status(network.sessions, network.clock) if r.city == city)


def test_a_coach_of_another_city_is_told_so(network: Network) -> None:
    network.walk("BKO", "send_to_committee")
    with pytest.raises(Refused) as refused:
        network.act("BKO", "send_to_committee", COACH_BEN)
    assert refused.value.reason == (
        "You are coach of another city, not of this one; only the secretariat or this city's coach "
        "may 'send_to_committee'."
    )
    assert state_of(network, "BKO") == "plan_review"


def test_who_submitted_a_plan_never_approves_it(network: Network) -> None:
    network.walk("BKO", "submit_plan")
    network.act("BKO", "submit_plan", SECRETARIAT, **PLAN)  # the secretariat submits on the city's behalf
    with pytest.raises(Refused) as refused:
        network.act("BKO", "send_to_committee", SECRETARIAT)
    assert "You submitted this plan" in str(refused.value.reason)
    assert "four-eyes" in str(refused.value.reason)
    network.act("BKO", "send_to_committee", SECRETARIAT_2)
    assert state_of(network, "BKO") == "investment_committee"


def test_who_submitted_a_report_never_approves_it(network: Network) -> None:
    network.walk("BKO", "submit_report")
    network.act("BKO", "submit_report", SECRETARIAT, summary="Written by the secretariat")
    with pytest.raises(Refused, match="You submitted this report"):
        network.act("BKO", "approve_report", SECRETARIAT)
    network.act("BKO", "approve_report", COACH_BKO)


def test_a_refusal_lists_what_the_person_may_do_instead(network: Network) -> None:
    with pytest.raises(Refused) as refused:
        network.act("BKO", "send_contract", SECRETARIAT)
    assert refused.value.reason == "'send_contract' is not possible while the city is selected."
    offered = ("confirm", "decline", "change_details", "assign_coach", "extend_deadline", "pause", "withdraw")
    assert set(offered) <= set(refused.value.alternatives) and "send_contract" not in refused.value.alternatives
    assert str(refused.value).endswith(f"You may instead: {', '.join(refused.value.alternatives)}.")
    assert [a.trigger for a in refused.value.instead] == list(refused.value.alternatives)


def test_onboarding_cannot_close_before_every_objective_is_met(network: Network) -> None:
    network.walk("BKO", "tick_objective")
    network.act("BKO", "tick_objective", LEAD_BKO, item="kickoff_attended")
    with pytest.raises(Refused) as refused:
        network.act("BKO", "finish_onboarding", SECRETARIAT)
    assert refused.value.reason == (
        "Onboarding is not complete: still to do: Secretariat visit done, Participation made public, "
        "Expectations defined and Questions answered."
    )
    with pytest.raises(Refused, match="already ticked"):
        network.act("BKO", "tick_objective", LEAD_BKO, item="kickoff_attended")


def test_a_plan_needs_a_coach_first(network: Network) -> None:
    network.walk("STL", "submit_plan", lead=SECRETARIAT)  # Saint-Louis has no coach in people.csv
    with pytest.raises(Refused, match="No coach is assigned to this city yet"):
        network.act("STL", "submit_plan", SECRETARIAT, **PLAN)
    network.act("STL", "assign_coach", SECRETARIAT_2, coach=COACH_BEN)
    network.act("STL", "submit_plan", SECRETARIAT, **PLAN)
    assert next(r.coach for r in status(network.sessions, network.clock) if r.city == "STL") == COACH_BEN
    network.walk("BKO", "submit_plan")
    with pytest.raises(InvalidData, match="'submit_plan' needs 'title' \\(Title\\)"):
        network.act("BKO", "submit_plan", LEAD_BKO)


def test_the_grant_respects_the_ceiling_and_the_currency(network: Network) -> None:
    network.walk("BKO", "approve_grant")
    with pytest.raises(Refused, match=r"50,000\.01 EUR is above the programme's ceiling of 50,000 EUR"):
        network.act("BKO", "approve_grant", SECRETARIAT, amount="50000.01", currency="EUR")
    with pytest.raises(Refused, match="The programme sets no ceiling in USD; amounts may be in: EUR and XOF"):
        network.act("BKO", "approve_grant", SECRETARIAT, amount="100", currency="USD")
    with pytest.raises(InvalidData, match="not an ISO 4217 currency"):
        network.act("BKO", "approve_grant", SECRETARIAT, amount="100", currency="EUU")
    with pytest.raises(InvalidData, match="XOF amounts are whole numbers"):
        network.act("BKO", "approve_grant", SECRETARIAT, amount="1000.5", currency="XOF")
    with pytest.raises(InvalidData, match="never float"):
        network.act("BKO", "approve_grant", SECRETARIAT, amount=1000.5, currency="EUR")
    network.act("BKO", "revise_plan", SECRETARIAT, changes="Budget in francs CFA, as the city spends it")
    network.act("BKO", "submit_plan", LEAD_BKO, **{**PLAN, "budget": "26238280", "currency": "XOF"})
    network.act("BKO", "send_to_committee", COACH_BKO)
    network.act("BKO", "approve_grant", SECRETARIAT, amount="32797850", currency="XOF")
    with network.sessions() as s:
        amounts = s.execute(
            select(Tranche.name, Tranche.amount_minor, Tranche.state)
            .join(Grant)
            .where(Grant.purpose == "experiment")
            .order_by(Tranche.number)
        ).all()
    assert [tuple(r) for r in amounts] == [
        ("advance", 16398925, "eligible"),
        ("interim", 9839355, "scheduled"),
        ("final", 6559570, "scheduled"),
    ]


def test_tranches_are_paid_only_when_their_condition_is_met(network: Network) -> None:
    network.walk("BKO", "pay_tranche")
    network.act("BKO", "pay_tranche", FINANCE)
    with pytest.raises(Refused, match="No tranche is eligible"):
        network.act("BKO", "pay_tranche", FINANCE)
    with pytest.raises(Refused, match="Only finance may 'pay_tranche'"):
        network.act("BKO", "pay_tranche", SECRETARIAT)


def test_the_database_refuses_paid_above_awarded(network: Network) -> None:
    network.walk("BKO", "pay_tranche")
    with network.sessions() as s, pytest.raises(IntegrityError):
        s.execute(update(Grant).values(paid_minor=Grant.amount_minor + 1))
        s.flush()


def test_the_audit_trail_cannot_be_edited_or_deleted(network: Network) -> None:
    network.walk("BKO", "send_contract")
    for statement in (update(AuditEvent).values(note="rewritten"), delete(AuditEvent)):
        with network.sessions() as s, pytest.raises(DBAPIError, match="append-only"):
            s.execute(statement)


def test_tampering_is_detected_by_the_hash_chain(network: Network) -> None:
    network.walk("BKO", "sign_contract")
    with network.sessions() as s:
        assert verify(s) == []
        conn = s.connection()
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
        s.execute(update(AuditEvent).where(AuditEvent.trigger == "confirm").values(actor="someone@else.org"))
        findings = [str(f) for f in verify(s)]
    assert findings == ["BKO event 3: was changed after it was written"]  # 1 joined, 2 its coach, 3 confirmed


def test_replay_reproduces_every_city_including_pause_and_resume(network: Network) -> None:
    network.walk("BKO", "submit_report")
    network.act("BKO", "pause", SECRETARIAT, reason="Floods")
    network.act("KLA", "decline", "david.okello@kampala.example.org", reason="Elections")
    network.act("BKO", "resume", SECRETARIAT)
    assert state_of(network, "BKO") == "experimenting"
    with network.sessions() as s:
        assert replay(s) == []
        assert verify(s) == []


def test_pause_freezes_and_resume_returns_to_the_state_it_left(network: Network) -> None:
    network.walk("BKO", "send_to_committee")
    network.act("BKO", "pause", SECRETARIAT, reason="Coup d'État; the city went silent")
    assert state_of(network, "BKO") == "paused"
    with pytest.raises(Refused, match="not possible while the city is paused"):
        network.act("BKO", "send_to_committee", COACH_BKO)
    assert network.act("BKO", "resume", SECRETARIAT).to_state == "plan_review"
    assert history(network.sessions, "BKO")[-2].note is None
    assert history(network.sessions, "BKO")[-2].data == {"reason": "Coup d'État; the city went silent"}


def test_a_stale_version_is_a_conflict_and_writes_nothing(network: Network) -> None:
    version = next(r.version for r in status(network.sessions, network.clock) if r.city == "BKO")
    network.act("BKO", "confirm", LEAD_BKO)
    with pytest.raises(Conflict, match="changed while you were deciding"):
        act(network.sessions, "BKO", "pause", SECRETARIAT, at=network.tick(), data={"reason": "x"},
            expected_version=version)  # fmt: skip
    assert state_of(network, "BKO") == "confirmed"


def test_each_act_writes_one_event_for_the_outbox_after_commit(network: Network) -> None:
    network.act("BKO", "confirm", LEAD_BKO)
    with network.sessions() as s:
        events = s.execute(select(OutboxMessage.kind, OutboxMessage.payload).where(OutboxMessage.key == "event:BKO:3"))
        kind, payload = events.one()
    assert kind == "jalon.city.confirm"
    assert payload["from"] == "selected" and payload["to"] == "confirmed" and payload["actor"] == LEAD_BKO


def test_field_values_are_checked_after_the_state_and_role(network: Network) -> None:
    network.act("BKO", "confirm", LEAD_BKO)
    with pytest.raises(Refused, match="'decline' is not possible while the city is confirmed"):
        network.act("BKO", "decline", LEAD_BKO)  # told it is impossible, not that a reason is missing
    network.walk("NIM", "submit_plan", lead=SECRETARIAT)
    long_title = {**PLAN, "title": "x" * 201}
    with pytest.raises(InvalidData, match="Field 'title' \\(Title\\): is 201 characters long; at most 200"):
        network.act("NIM", "submit_plan", SECRETARIAT, **long_title)
    with pytest.raises(InvalidData, match="Field 'title' \\(Title\\): must be plain text on one line"):
        network.act("NIM", "submit_plan", SECRETARIAT, **{**PLAN, "title": "Plan\r\nBcc: all@example.org"})
    with pytest.raises(InvalidData, match=r"Field 'budget' \(Budget\): '10\.0001' has more than two decimals"):
        network.act("NIM", "submit_plan", SECRETARIAT, **{**PLAN, "budget": "10.0001"})
    with pytest.raises(InvalidData, match="'5e4' is not an amount"):
        network.act("NIM", "submit_plan", SECRETARIAT, **{**PLAN, "budget": "5e4"})
    network.act("NIM", "submit_plan", SECRETARIAT, **{**PLAN, "hypothesis": "Line one\nLine two"})


def test_a_clock_in_another_zone_is_stored_as_utc_and_the_chain_holds(network: Network) -> None:
    paris = datetime(2026, 3, 1, 10, 30, tzinfo=ZoneInfo("Europe/Paris"))
    result = act(network.sessions, "BKO", "confirm", LEAD_BKO, at=paris)
    assert result.at == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert history(network.sessions, "BKO")[-1].at == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    with network.sessions() as s:
        assert verify(s) == []


def test_the_advance_respects_the_ceiling_too(network: Network) -> None:
    network.walk("BKO", "sign_contract")
    with pytest.raises(Refused, match="The programme sets no ceiling in USD"):
        network.act("BKO", "sign_contract", SECRETARIAT, amount="9000000", currency="USD")


def test_bad_names_and_clocks_are_bad_input(network: Network) -> None:
    with pytest.raises(NotFound, match="No city with code 'XYZ'"):
        network.act("XYZ", "confirm", LEAD_BKO)
    with pytest.raises(NotFound, match=r"No person with email nobody@example\.org"):
        network.act("BKO", "confirm", "nobody@example.org")
    with pytest.raises(InvalidData, match="'launch' is not a trigger"):
        network.act("BKO", "launch", LEAD_BKO)
    with pytest.raises(InvalidData, match="'colour' is not a field of 'confirm'"):
        network.act("BKO", "confirm", LEAD_BKO, colour="red")
    with pytest.raises(InvalidData, match="no time zone"):
        act(network.sessions, "BKO", "confirm", LEAD_BKO, at=datetime(2026, 1, 1))
    with network.sessions() as s:
        assert s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.trigger == "confirm")) == 0


def test_can_lists_allowed_triggers_with_their_fields_and_refusals_with_reasons(network: Network) -> None:
    network.walk("BKO", "approve_grant")
    options = {o.trigger: o for o in can(network.sessions, "BKO", SECRETARIAT)}
    assert options["approve_grant"].allowed
    assert options["approve_grant"].needs == ("amount", "currency")
    assert options["reject_plan"].needs == ("reason",)
    assert not options["confirm"].allowed
    coach = {o.trigger: o for o in can(network.sessions, "BKO", COACH_BKO)}
    assert coach["approve_grant"].reason == "Only the secretariat may 'approve_grant'."


def test_the_grant_is_awarded_in_the_currency_of_the_plan_the_committee_read(network: Network) -> None:
    network.walk("BKO", "approve_grant")  # the plan's budget is in EUR
    with pytest.raises(Refused, match="The plan's budget is in EUR; award the grant in EUR, not XOF"):
        network.act("BKO", "approve_grant", SECRETARIAT, amount="20000000", currency="XOF")
    network.act("BKO", "approve_grant", SECRETARIAT, amount="40000", currency="EUR")


def test_a_note_with_hidden_characters_is_refused_by_the_door_itself(network: Network) -> None:
    with pytest.raises(InvalidData, match="note"):
        act(network.sessions, "BKO", "confirm", LEAD_BKO, at=network.tick(), note="ok\u202egnp.exe")
    result = act(network.sessions, "BKO", "confirm", LEAD_BKO, at=network.tick(), note="  Vu avec le maire\n  ")
    assert result.to_state == "confirmed"


def test_text_keeps_the_line_breaks_a_browser_sends_and_one_line_fields_refuse_them(network: Network) -> None:
    """Browsers send CRLF; old Macs CR: a plan's objectives keep their lines, a title refuses a line break."""
    network.walk("BKO", "submit_plan")
    typed = "Réduire les files d'attente au marché\r\nHypothèse : les vendeurs consultent les prix\rMesure : 3 mois"
    with pytest.raises(InvalidData, match="one line"):
        network.act("BKO", "submit_plan", LEAD_BKO, **{**PLAN, "title": "Données\r\nouvertes"})
    network.act("BKO", "submit_plan", LEAD_BKO, **{**PLAN, "hypothesis": typed})
    with network.sessions() as s:
        kept = s.scalar(select(Plan.hypothesis).where(Plan.number == 1))
    assert kept == (
        "Réduire les files d'attente au marché\nHypothèse : les vendeurs consultent les prix\nMesure : 3 mois"
    )
