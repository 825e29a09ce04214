"""Every message that asks something carries the way to do it: a link, followed here from the mail to the page.

The messages leave through a real SMTP server on loopback; each link is read out of the plain-text part as a
person's mail client shows it, and followed with the web app: a way in to the city's page (signing in once),
an answer to the selection (confirm or decline), a reminder acknowledged. In French and in Portuguese.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from engine.access.tokens import open_link, reply_link
from engine.deadlines.sweep import sweep
from engine.outgoing import deliver
from engine.views.queries import history, status
from mail_server import Mailbox, smtp
from models import City, Deadline, OutboxMessage, Person, Rung
from models.db import make_engine, make_sessions, upgrade
from support import (
    COACH_BKO,
    FINANCE,
    LEAD_BKO,
    MAYOR_BKO,
    MEMBER_BKO,
    ONBOARDING,
    PLAN,
    SECRETARIAT,
    Network,
    load_examples,
)
from web.approvals import APPROVING
from web.reply_words import REPLY
from web_support import SECRET, SIGNER, client, csrf

LEAD_MTL = "helio.mondlane@matola.example.org"
COACH_MTL = "joana.macuacua@coach.example.org"
MAYOR_MTL = "presidente@matola.example.org"
LINK = re.compile(r"http://testserver/(open|reply|approve)/\S+")
ENGLISH = re.compile(r"\b(the|your|please|link|step|seen|next|sign|works|days|here|there)\b", re.IGNORECASE)


@dataclass
class World:
    """The sample programme with a signing installation, a mail server, and what has been read so far."""

    network: Network
    mailbox: Mailbox
    read: int = 0

    def deliver(self, at: datetime | None = None) -> list[EmailMessage]:
        """Send what waits (by `at`, now if not said); the messages that arrived since the last call."""
        report = deliver(self.network.sessions, at or datetime.now(UTC), smtp(self.mailbox.port))
        assert report.count("failed") == 0, [m.answer for m in report.messages if m.outcome == "failed"]
        mails = self.mailbox.messages()
        new, self.read = mails[self.read :], len(mails)
        return new


@pytest.fixture
def world(tmp_path: Path, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """Links are minted as on an installation with JALON_SECRET_KEY set, pointing at the test app."""
    monkeypatch.setenv("JALON_SECRET_KEY", SECRET)
    monkeypatch.setenv("JALON_PUBLIC_URL", "http://testserver")
    engine = make_engine(f"sqlite:///{tmp_path / 'jalon.db'}")
    upgrade(engine)
    yield World(load_examples(make_sessions(engine), datetime.now(UTC) - timedelta(days=60)), mailbox)
    engine.dispose()


def to(mail: EmailMessage) -> str:
    return str(mail["To"].addresses[0].addr_spec)


def body(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def links(mail: EmailMessage) -> dict[str, str]:
    """The message's links by kind (open, reply, approve), as paths on the web app."""
    return {m.group(1): m.group(0).removeprefix("http://testserver") for m in LINK.finditer(body(mail))}


def shown(text: str) -> str:
    return html.unescape(text)


def stage(network: Network, city: str) -> tuple[str, int]:
    [row] = [r for r in status(network.sessions, datetime.now(UTC)) if r.city == city]
    return row.state, row.version


def person_id(network: Network, email: str) -> int:
    with network.sessions() as s:
        return int(s.scalar(select(Person.id).where(Person.email == email)) or 0)


def outbox_size(network: Network) -> int:
    """Messages to people (the outbox also carries the act's event for Prefect)."""
    with network.sessions() as s:
        return int(s.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.channel == "email")) or 0)


def walk_in(browser: TestClient, path: str) -> str:
    """Follow a way-in link as its person does: the page, its button, and the city page it lands on."""
    page = browser.get(path)
    assert page.status_code == 200, shown(page.text)
    done = browser.post(path, data={"csrf": csrf(page.text)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/cities/")
    landed = browser.get(done.headers["location"])
    assert landed.status_code == 200
    return shown(landed.text)


# What a person asked by each kind finds to do on the city's page when the message arrives, in their language.
EXPECTED = {
    ("selection_notice", LEAD_BKO): "Confirmer l'intérêt et la disponibilité",
    ("selection_notice", LEAD_MTL): "Confirmar interesse e disponibilidade",
    ("welcome", SECRETARIAT): "Envoyer la convention de subvention",
    ("contract_signed", FINANCE): "Enregistrer le premier virement",
    ("onboarding_checklist", LEAD_BKO): "Cocher un objectif d'intégration",
    ("onboarding_checklist", LEAD_MTL): "Marcar um objetivo de integração",
    ("plan_submitted", COACH_BKO): "Décider que la ville est prête pour son Comité d'investissement",
    ("plan_submitted", COACH_MTL): "Decidir que a cidade está pronta para o seu comité de investimento",
    ("changes_requested", LEAD_BKO): "Soumettre le plan d'expérimentation",
    ("changes_requested", LEAD_MTL): "Submeter o plano de experimentação",
    ("committee_decision", FINANCE): "Enregistrer le paiement de la tranche suivante",
    ("report_submitted", COACH_BKO): "Approuver le rapport soumis",
    ("report_submitted", COACH_MTL): "Aprovar o relatório submetido",
    ("report_approved", FINANCE): "Enregistrer le paiement de la tranche suivante",
    ("final_report_requested", LEAD_BKO): "Soumettre le rapport attendu",
    ("final_report_requested", LEAD_MTL): "Submeter o relatório devido",
}
# Asked something too, with nothing to press yet: the page shows where the city stands and what comes next.
ASKED = set(EXPECTED) | {
    ("selection_notice", MEMBER_BKO),
    ("contract_sent", LEAD_BKO),
    ("contract_sent", MEMBER_BKO),
    ("contract_sent", LEAD_MTL),
    ("coach_assigned", COACH_BKO),
    ("coach_assigned", COACH_MTL),
    ("ready_for_committee", "ousmane.sidibe@bamako.example.org"),
    ("ready_for_committee", LEAD_MTL),
    ("ready_for_committee", LEAD_BKO),
}
ASKING = {kind for kind, _ in ASKED}
CITY_NAMES = {"BKO": "Bamako", "MTL": "Matola"}
CONTINUE = {"fr": "Continuer vers {city}", "pt": "Continuar para {city}"}


def journey(lead: str, coach: str) -> list[tuple[str, str, dict[str, str]]]:
    """The happy path, with the plan sent back once (so the city team is asked for changes)."""
    steps: list[tuple[str, str, dict[str, str]]] = [
        ("confirm", lead, {}),
        ("send_contract", SECRETARIAT, {}),
        ("sign_contract", SECRETARIAT, {"amount": "10000", "currency": "EUR"}),
        ("record_first_payment", FINANCE, {}),
        *[("tick_objective", SECRETARIAT, {"item": k}) for k in ONBOARDING],
        ("finish_onboarding", SECRETARIAT, {}),
        ("submit_plan", lead, PLAN),
        ("request_plan_changes", coach, {"changes": "Mesurer / medir"}),
        ("submit_plan", lead, PLAN),
        ("send_to_committee", coach, {}),
        ("approve_grant", SECRETARIAT, {"amount": "40000", "currency": "EUR"}),
        ("pay_tranche", FINANCE, {}),
        ("submit_report", lead, {"summary": "T1"}),
        ("approve_report", coach, {}),
        ("pay_tranche", FINANCE, {}),
        ("begin_final_report", coach, {}),
    ]
    return steps


def follow_each(world: World, mails: list[EmailMessage], seen: set[tuple[str, str]]) -> None:
    """Each asking message of a French or Portuguese reader, once per kind and reader: its way in leads to its act."""
    for mail in mails:
        kind = _kind_of(world, mail)
        code = next((c for c, name in CITY_NAMES.items() if name in mail["Subject"]), None)
        if code is None or (kind, to(mail)) not in ASKED or (kind, to(mail)) in seen:
            continue
        seen.add((kind, to(mail)))
        found = links(mail)
        assert "open" in found, f"{kind} to {to(mail)} carries no link:\n{body(mail)}"
        assert not ENGLISH.search(re.sub(r"http\S+", "", body(mail))), f"{kind} in {mail['Content-Language']}"
        browser = client(world.network.sessions)
        first = shown(browser.get(found["open"]).text)
        assert CONTINUE[mail["Content-Language"]].format(city=CITY_NAMES[code]) in first
        page = walk_in(browser, found["open"])
        assert CITY_NAMES[code] in page
        if (kind, to(mail)) in EXPECTED:
            assert EXPECTED[(kind, to(mail))] in page, f"{kind}: {to(mail)} cannot do it on the page"


def _kind_of(world: World, mail: EmailMessage) -> str:
    """The message's kind, from the outbox row its Message-ID was recorded on."""
    with world.network.sessions() as s:
        return str(s.scalar(select(OutboxMessage.kind).where(OutboxMessage.message_id == mail["Message-ID"])))


def test_every_message_that_asks_carries_a_link_to_where_it_is_done(world: World) -> None:
    """Bamako in French, Matola in Portuguese, through the journey: each asking message's link, followed."""
    network, seen = world.network, set[tuple[str, str]]()
    follow_each(world, world.deliver(), seen)  # the selection notices and the coaches named at import
    for (t1, by1, d1), (t2, by2, d2) in zip(journey(LEAD_BKO, COACH_BKO), journey(LEAD_MTL, COACH_MTL), strict=True):
        network.act("BKO", t1, by1, **d1)
        network.act("MTL", t2, by2, **d2)
        follow_each(world, world.deliver(), seen)
    assert seen == ASKED, f"never seen: {ASKED - seen}"
    with network.sessions() as s:
        payloads = " ".join(str(p) for p in s.scalars(select(OutboxMessage.payload)))
    assert "/open/" not in payloads and "/reply/" not in payloads, "links are minted as a message leaves, never kept"


def test_the_selection_is_confirmed_from_the_message(world: World) -> None:
    """The lead's notice carries the answer; the member's only the way in; a GET never acts; the answer serves once."""
    mails = {to(m): m for m in world.deliver() if "Bamako" in m["Subject"] and _kind_of(world, m) == "selection_notice"}
    assert "reply" not in links(mails[MEMBER_BKO]) and "open" in links(mails[MEMBER_BKO])
    answer = links(mails[LEAD_BKO])["reply"]
    assert "Confirmer ou décliner" in body(mails[LEAD_BKO])
    browser = client(world.network.sessions)
    for _ in range(2):
        page = browser.get(answer)
        assert page.status_code == 200 and 'lang="fr"' in page.text
    text = shown(page.text)
    assert REPLY["fr"]["invitation_title"].format(city="Bamako") in text and "Répondez au plus tard le" in text
    assert "Confirmer l'intérêt et la disponibilité" in text and "Décliner l'invitation" in text
    assert stage(world.network, "BKO")[0] == "selected", "showing the page did nothing"
    done = browser.post(answer, data={"csrf": csrf(page.text)})
    assert done.status_code == 200
    assert REPLY["fr"]["done"].format(what="Confirmer l'intérêt et la disponibilité") in shown(done.text)
    assert stage(world.network, "BKO")[0] == "confirmed"
    last = history(world.network.sessions, "BKO")[-1]
    assert (last.trigger, last.by) == ("confirm", LEAD_BKO)
    again = browser.post(answer, data={"csrf": csrf(page.text)})
    assert again.status_code == 400 and "Ce lien a déjà servi." in shown(again.text)
    assert "Demander un nouveau lien de connexion" in shown(again.text) and "used" not in again.text
    welcome = [m for m in world.deliver() if _kind_of(world, m) == "welcome" and to(m) == LEAD_BKO]
    assert welcome, "the confirmation is the engine's own act: its messages follow"


def test_a_portuguese_city_declines_from_the_message_and_must_say_why(world: World) -> None:
    mails = [m for m in world.deliver() if to(m) == LEAD_MTL and _kind_of(world, m) == "selection_notice"]
    assert "Confirmar ou recusar" in body(mails[0])
    answer = links(mails[0])["reply"]
    browser = client(world.network.sessions)
    page = browser.get(answer)
    assert 'lang="pt"' in page.text and "Matola: a vossa resposta à seleção" in shown(page.text)
    assert "Recusar o convite" in shown(page.text)
    blank = browser.post(answer + "/other", data={"csrf": csrf(page.text), "reason": "  "})
    assert blank.status_code == 400 and "Indique o motivo antes de recusar" in shown(blank.text)
    assert stage(world.network, "MTL")[0] == "selected"
    done = browser.post(answer + "/other", data={"csrf": csrf(page.text), "reason": "Eleições este ano"})
    assert done.status_code == 200 and "Feito: Recusar o convite." in shown(done.text)
    assert stage(world.network, "MTL")[0] == "declined"
    assert history(world.network.sessions, "MTL")[-1].data["reason"] == "Eleições este ano"


def rungs(network: Network, city: str) -> list[datetime]:
    """When each rung of the city's current stage deadline fires, in order."""
    with network.sessions() as s:
        return list(
            s.scalars(
                select(Rung.fire_at)
                .join(Deadline, Deadline.id == Rung.deadline_id)
                .join(City, City.id == Deadline.city_id)
                .where(City.code == city, Deadline.kind == "stage", Deadline.state == "open")
                .order_by(Rung.fire_at)
            )
        )


def test_a_reminder_is_acknowledged_from_the_message_and_says_nothing(world: World) -> None:
    """Each rung's message carries the next move, a way in and "I have seen this"; seeing it is in the history."""
    network = world.network
    world.deliver()  # the selection notices
    for fire_at in rungs(network, "BKO"):
        sweep(network.sessions, fire_at)
    mails = [m for m in world.deliver(fire_at + timedelta(days=1)) if "Bamako" in m["Subject"]]
    by_reader = {(to(m), _kind_of(world, m)): m for m in mails}
    for reader, kind in (
        (LEAD_BKO, "deadline.reminder"),
        (COACH_BKO, "deadline.escalation.coach"),
        (MAYOR_BKO, "deadline.escalation.mayor"),
    ):
        mail = by_reader[(reader, kind)]
        assert {"open", "reply"} <= set(links(mail)), f"{kind} to {reader}"
        assert "Prochaine étape : l'équipe de la ville confirme l'intérêt et la disponibilité" in body(mail)
        assert "J'ai bien vu ce rappel" in body(mail)
    browser = client(network.sessions)
    path = links(by_reader[(LEAD_BKO, "deadline.reminder")])["reply"]
    page = browser.get(path)
    text = shown(page.text)
    assert REPLY["fr"]["ack_title"].format(city="Bamako", subject="Sélectionnée") in text
    assert "J'ai bien vu ce rappel" in text
    before = outbox_size(network)
    done = browser.post(path, data={"csrf": csrf(page.text)})
    assert done.status_code == 200
    assert REPLY["fr"]["done"].format(what="Accuser réception du rappel") in shown(done.text)
    assert stage(network, "BKO")[0] == "selected", "the stage is where it was"
    last = history(network.sessions, "BKO")[-1]
    assert (last.trigger, last.by) == ("acknowledge", LEAD_BKO)
    assert outbox_size(network) == before, "acknowledging sends no message"
    city_page = walk_in(client(network.sessions), links(by_reader[(LEAD_BKO, "deadline.reminder")])["open"])
    trail = city_page[city_page.rindex("<h2") :]  # the history, newest first
    by = "Fatoumata Keïta"  # under the act on a phone, in its own column on a wider screen
    assert re.search(rf"Accuser réception du rappel<span[^>]*><br>{by}</span></td><td[^>]*>{by}<", trail)


def test_a_link_bound_to_an_old_version_is_refused_after_another_act(world: World) -> None:
    """The coach's escalation was written before the lead acknowledged: its answer no longer acts, in French."""
    network = world.network
    world.deliver()
    for fire_at in rungs(network, "BKO"):
        sweep(network.sessions, fire_at)
    mails = {(to(m), _kind_of(world, m)): m for m in world.deliver() if "Bamako" in m["Subject"]}
    coach = links(mails[(COACH_BKO, "deadline.escalation.coach")])["reply"]
    browser = client(network.sessions)
    page = browser.get(coach)
    network.act("BKO", "extend_deadline", SECRETARIAT, days="5", reason="Conseil municipal")
    version = stage(network, "BKO")[1]
    refused = browser.post(coach, data={"csrf": csrf(page.text)})
    assert refused.status_code == 409
    assert "La situation de Bamako a changé depuis l'envoi de ce message" in shown(refused.text)
    assert stage(network, "BKO")[1] == version, "nothing changed"
    lead = links(mails[(LEAD_BKO, "deadline.reminder")])["reply"]
    opened = browser.get(lead)
    assert opened.status_code == 409 and "La situation de Bamako a changé" in shown(opened.text), "said on opening"
    assert "J'ai bien vu ce rappel" not in shown(opened.text), "no button that could only fail"


def test_a_used_or_expired_way_in_says_so_in_the_readers_language(world: World) -> None:
    network = world.network
    mtl = person_id(network, LEAD_MTL)
    old = open_link(SIGNER, "http://testserver", mtl, 0, "MTL", datetime.now(UTC) - timedelta(days=8))
    expired = client(network.sessions).get(old.removeprefix("http://testserver"))
    text = shown(expired.text)
    assert expired.status_code == 400 and 'lang="pt"' in expired.text and "Esta ligação expirou." in text
    assert "Pedir uma nova ligação de acesso" in text and 'href="/signin"' in text
    path = open_link(SIGNER, "http://testserver", mtl, 0, "MTL", datetime.now(UTC)).removeprefix("http://testserver")
    browser = client(network.sessions)
    assert "Matola" in walk_in(browser, path)
    again = browser.get(path, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/cities/MTL", "signed in already: straight in"
    elsewhere = client(network.sessions).get(path)
    assert elsewhere.status_code == 400 and "Esta ligação já foi usada." in shown(elsewhere.text)


def test_a_get_never_signs_in_nor_acts(world: World) -> None:
    network = world.network
    lead = person_id(network, LEAD_BKO)
    way_in = open_link(SIGNER, "http://testserver", lead, 0, "BKO", datetime.now(UTC))
    browser = client(network.sessions)
    for _ in range(3):
        page = browser.get(way_in.removeprefix("http://testserver"))
        assert page.status_code == 200
    with network.sessions() as s:
        name = s.scalars(select(Person.name).where(Person.id == lead)).one()
    intro = REPLY["fr"]["open_intro"].format(name=name, city="Bamako")
    assert intro in html.unescape(page.text) and LEAD_BKO in page.text, "named as people call them, the address below"
    assert browser.get("/cities/BKO", follow_redirects=False).headers["location"] == "/signin"
    before = stage(network, "BKO")
    answer = reply_link(SIGNER, "http://testserver", lead, 0, "BKO", "confirm", before[1], datetime.now(UTC))
    for _ in range(3):
        assert browser.get(answer.removeprefix("http://testserver")).status_code == 200
    assert stage(network, "BKO") == before


def test_someone_elses_answer_link_is_refused_and_my_approvals_stay_a_coachs(world: World) -> None:
    """An answer is its person's own; the selection's answers are not "approvals" for the secretariat or a coach."""
    network = world.network
    assert "confirm" not in APPROVING and "decline" not in APPROVING and "send_to_committee" in APPROVING
    secretariat = person_id(network, SECRETARIAT)
    browser = client(network.sessions)
    walk_in(
        browser,
        open_link(SIGNER, "http://testserver", secretariat, 0, "BKO", datetime.now(UTC)).removeprefix(
            "http://testserver"
        ),
    )
    approvals = shown(browser.get("/approvals").text)
    assert "Confirmer l'intérêt" not in approvals and "Bamako" not in approvals
    lead = person_id(network, LEAD_BKO)
    version = stage(network, "BKO")[1]
    answer = reply_link(SIGNER, "http://testserver", lead, 0, "BKO", "confirm", version, datetime.now(UTC))
    page = browser.get(answer.removeprefix("http://testserver"))
    assert page.status_code == 400 and "une autre personne est connectée dans ce navigateur" in shown(page.text)
    assert LEAD_BKO in shown(page.text) and stage(network, "BKO")[0] == "selected"


def test_without_a_secret_messages_still_say_what_to_do_but_carry_no_link(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JALON_SECRET_KEY")
    world.network.act("BKO", "confirm", LEAD_BKO)
    world.deliver()
    sweep(world.network.sessions, rungs(world.network, "BKO")[0])
    mails = [m for m in world.deliver() if _kind_of(world, m) == "deadline.reminder"]
    assert mails and not any(links(m) for m in mails)
    claire = next(m for m in mails if to(m) == SECRETARIAT)
    assert "Prochaine étape : le secrétariat envoie la convention de subvention." in body(claire)


def test_the_contacts_of_an_html_message_wrap_on_a_phone_and_each_address_is_a_mailto_link() -> None:
    """A list, not a table wider than a phone; escaped, and only a plain address is ever made a link."""
    from notifications.render import HtmlParts, TextParts

    contacts = [
        {"role": "coach", "name": "Amadou <b>Traoré</b>", "email": COACH_BKO},
        {"role": "secretariat", "name": "Claire", "email": 'x"@y.org?cc=all@z.org'},
    ]
    shown = str(HtmlParts("fr", "UTC").people(contacts))
    assert "<table" not in shown and shown.startswith("<ul") and shown.count("<li") == 2
    assert f'<a href="mailto:{COACH_BKO}">{COACH_BKO}</a>' in shown, "the coach's address, a tap away"
    assert "Amadou &lt;b&gt;Traoré&lt;/b&gt;" in shown and "<b>" not in shown, "every value escaped"
    assert shown.count("mailto:") == 1 and "x&#34;@y.org?cc=all@z.org" in shown, "an address that is not plain: text"
    text = TextParts("fr", "UTC").people(contacts)
    assert f"Amadou <b>Traoré</b> <{COACH_BKO}>" in text, "the text part as it was: name and <address>"
