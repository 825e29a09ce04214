"""The secretariat's digest as its readers get it: city by city, each late city named with its lateness, in fr and pt;
sent when something needs them, and the letters it replaces (repeated escalations, silent-city alarms) not sent."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update

from engine.deadlines.sweep import sweep
from engine.outgoing import deliver
from engine.views.digest import weekly_digest
from engine.views.queries import status
from mail_server import Mailbox, smtp
from models import City, OutboxMessage, Person, RoleAssignment
from notifications.words import STAGES
from support import LEAD_BKO, SECRETARIAT, START, Network

TOM = "tom.baker@aston.example.org"  # the second secretary; reads Portuguese in these tests
MONDAY = datetime(2026, 2, 2, 7, 0, tzinfo=UTC)  # 08:00 in Paris
SMP = select(City.id).where(City.code == "SMP").scalar_subquery()


def digests(network: Network, mailbox: Mailbox, at: datetime) -> dict[str, tuple[str, str]]:
    """The digest written and delivered at `at` (nothing else waits), as each secretary reads it."""
    before = len(mailbox.messages())
    assert weekly_digest(network.sessions, at) == 2
    deliver(network.sessions, at, smtp(mailbox.port))
    read = {}
    for m in mailbox.messages()[before:]:
        body = m.get_body(("plain",))
        assert body is not None
        read[m["To"].addresses[0].addr_spec] = (str(m["Subject"]), str(body.get_content()).replace("\r\n", "\n"))
    return read


def test_the_digest_names_each_late_city_with_its_lateness_in_french_and_portuguese(
    network: Network, mailbox: Mailbox
) -> None:
    """Eleven cities never answered their selection: each is listed by name, stage, deadline and working days late."""
    network.act("BKO", "confirm", LEAD_BKO)
    network.act("BKO", "send_contract", SECRETARIAT)
    deliver(network.sessions, network.tick(), smtp(mailbox.port))
    with network.sessions.begin() as s:
        s.execute(update(Person).where(Person.email == TOM).values(language="pt"))
    board = {c.name: c for c in status(network.sessions, MONDAY)}
    late = {name: c.late_by for name, c in board.items() if c.late_by and c.state == "selected"}
    assert len(late) == 11
    read = digests(network, mailbox, MONDAY)
    subject, text = read[SECRETARIAT]
    assert subject == "African Smart Towns Network : 11 villes en retard, le programme au 2 févr. 2026"
    assert "En retard (11) :" in text and "Dans les temps :" in text
    for name, days in late.items():
        deadline, late_by = r"  Échéance\u00a0: +[^\n]+\n", rf"  Retard\u00a0: +{days} jours? ouvrés?\n"
        block = rf"{re.escape(name)} : Sélectionnée\n\n{deadline}{late_by}"
        assert re.search(block, text), f"{name}, {days} working days late, not in:\n{text}"
    team = r"équipe de la ville \(Fatoumata Keïta, Moussa Coulibaly\)"
    assert re.search(rf"Bamako : Contractualisation\n\n  Échéance\u00a0: +[^\n]+\n  En attente de\u00a0: {team}", text)
    assert text.index("Dans les temps :") > max(text.index(f"{name} :") for name in late)  # the late ones first
    subject, text = read[TOM]
    assert subject.startswith("African Smart Towns Network: 11 cidades em atraso")
    assert "Em atraso (11):" in text and "Dentro do prazo:" in text
    for name, days in late.items():
        assert re.search(
            rf"{re.escape(name)}: Selecionada\n\n  Prazo: +[^\n]+\n  Atraso: +{days} dias? úte?is?\n", text
        )
    for stage in ("selected", "contracting", "confirmed"):  # no internal name reaches a reader
        assert stage not in text
    assert STAGES["pt"]["contracting"] in text


def test_no_digest_in_a_quiet_week_and_news_waits_for_the_next(network: Network, mailbox: Mailbox) -> None:
    """Nothing late, nothing failed, no alarm: no digest; the news waits (four weeks at most) and is then listed."""
    assert weekly_digest(network.sessions, START) == 2  # the first: the cohort, city by city
    network.act("BKO", "confirm", LEAD_BKO)
    assert weekly_digest(network.sessions, START + timedelta(days=7)) == 0  # the selections are not due yet
    assert weekly_digest(network.sessions, START + timedelta(days=28)) == 2  # now they are late
    with network.sessions() as s:
        payload = s.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.kind == "weekly_digest").order_by(OutboxMessage.id.desc())
        ).first()
    assert payload is not None
    bamako = next(c for c in payload["cities"] if c["name"] == "Bamako")
    assert [n[1]["fr"] for n in bamako["news"]] == ["Confirmer l'intérêt et la disponibilité"]


def test_a_late_city_escalates_to_the_secretariat_once_then_the_digest_carries_it(network: Network) -> None:
    """Sèmè-Podji's mayor is not named: its last rung would reach the secretariat a second time; it goes in the
    digest, with the silent-city alarm, and the city stays on the digest's late list until it moves."""
    with network.sessions.begin() as s:
        s.execute(delete(RoleAssignment).where(RoleAssignment.role == "mayor", RoleAssignment.city_id == SMP))
    network.act("SMP", "confirm", "koffi.agbo@semepodji.example.org")
    network.act("SMP", "send_contract", SECRETARIAT)
    told: list[tuple[str, int, str, str]] = []
    at = network.clock
    for _ in range(120):
        at += timedelta(days=1)
        fired = sweep(network.sessions, at).fired
        told += [(f.subject, f.business_days, f.audience, f.via) for f in fired if f.city == "SMP"]
    assert ("contracting", 20, "secretariat", "message") in told
    assert ("contracting", 30, "mayor", "digest") in told  # nobody is mayor: the secretariat, again
    assert ("silent", 0, "secretariat", "digest") in told
    with network.sessions() as s:
        letters = Counter(
            s.scalars(
                select(OutboxMessage.kind)
                .join(Person, Person.id == OutboxMessage.recipient_id)
                .join(City, City.id == OutboxMessage.city_id)
                .where(Person.email == SECRETARIAT, City.code == "SMP")
            )
        )
    # The confirmation (the agreement is the secretariat's to send), one escalation, the start-of-activities alarm.
    assert letters == Counter({"welcome": 1, "deadline.escalation.secretariat": 1, "alarm.selection_to_start": 1})
    weekly_digest(network.sessions, at)
    with network.sessions() as s:
        payload = s.scalars(select(OutboxMessage.payload).where(OutboxMessage.kind == "weekly_digest")).first()
    assert payload is not None
    smp = next(c for c in payload["cities"] if c["name"] == "Sèmè-Podji")
    assert smp["stage"] == "contracting" and smp["late_by"] > 30
