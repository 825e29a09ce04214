"""The flows, run for real under Prefect's test harness: what they report, and what reaches people.

One harness per worker for the whole session (tests/conftest.py; it takes ~10-20 s to start on two cores); a Jalon
database and mail server per test, reached by the flows through the environment, as a worker reaches them in
production.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine import database
from flows.cohort import onboard_cohort
from flows.demo import _play_day
from flows.finance import tell_finance
from flows.heartbeat import sweep_and_deliver
from flows.reporting import reporting_cycle
from flows.tasks import deliver_task, moment
from flows.weekly import network_bulletin, weekly_digest
from mail_server import Mailbox, free_port
from models import City, OutboxMessage, Person, RoleAssignment, Rung
from models.db import make_engine, make_sessions, upgrade
from support import EXAMPLES, LEAD_BKO, SECRETARIAT, START, Network, load_examples

pytestmark = pytest.mark.usefixtures("prefect_api")  # one Prefect API per worker (tests/conftest.py)


@pytest.fixture
def jalon(tmp_path: Path, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    """An empty Jalon database file and the test's mail server, named in JALON_* as a worker would see them."""
    url = f"sqlite:///{tmp_path / 'jalon.db'}"
    upgrade(make_engine(url))
    monkeypatch.setenv("JALON_DATABASE_URL", url)
    monkeypatch.setenv("JALON_SMTP_PORT", str(mailbox.port))
    monkeypatch.setenv("JALON_MAIL_FROM", "Secrétariat ASToN <secretariat@aston.example.org>")
    database.engine.cache_clear()
    yield make_sessions(database.engine())
    database.engine.cache_clear()


@pytest.fixture
def network(jalon: sessionmaker[Session]) -> Network:
    """The sample programme loaded (its selection notices queued), committed for the flows to see."""
    return load_examples(jalon, START)


PATIENCE = 60.0  # seconds a poll may wait for the server to store an event (a bound, never an expectation)


def pending(sessions: sessionmaker[Session], channel: str) -> int:
    with sessions() as s:
        query = select(func.count()).where(OutboxMessage.channel == channel, OutboxMessage.state == "pending")
        return int(s.scalar(query) or 0)


def test_the_heartbeat_sweeps_publishes_and_delivers(network: Network, mailbox: Mailbox) -> None:
    """One pass: the confirmation's event goes to Prefect, every waiting message to its reader, reminders fire."""
    network.act("BKO", "confirm", LEAD_BKO)
    waiting, events = pending(network.sessions, "email"), pending(network.sessions, "event")
    state = sweep_and_deliver((network.clock + timedelta(minutes=5)).isoformat(), return_state=True)
    assert state.is_completed()
    result = state.result()
    assert events == 24, "twelve cities joined, eleven coaches assigned (the people file), one confirmed"
    assert result["events"] == events and result["sent"] == waiting == len(mailbox.messages())
    assert pending(network.sessions, "event") == pending(network.sessions, "email") == 0
    later = sweep_and_deliver((START + timedelta(days=40)).isoformat())
    assert later["fired"] > 0 and later["sent"] == len(mailbox.messages()) - waiting


def test_acts_reach_prefect_as_events_after_their_commit(network: Network) -> None:
    """jalon.city.<trigger> on resource jalon.city.<code>, with programme, from, to and actor."""
    from prefect import get_client
    from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter
    from prefect.events.worker import EventsWorker

    network.act("BKO", "confirm", LEAD_BKO)
    network.act("BKO", "send_contract", SECRETARIAT)
    sweep_and_deliver(network.clock.isoformat())
    EventsWorker.drain_all()
    when = EventOccurredFilter(since=START - timedelta(days=1), until=datetime.now(UTC))  # the acts' own times
    wanted = EventFilter(event=EventNameFilter(prefix=["jalon.city."]), occurred=when)
    give_up = time.monotonic() + PATIENCE
    with get_client(sync_client=True) as client:
        while len(events := client.read_events(filter=wanted, limit=50).events) < 25:  # 24 at the start, 1 later
            assert time.monotonic() < give_up, "the events never reached Prefect"
            time.sleep(0.5)
    by_name = {e.event: e for e in events}
    sent = by_name["jalon.city.send_contract"]
    assert sent.resource.id == "jalon.city.BKO" and sent.resource.get("jalon.programme") == "ASTON"
    assert sent.payload["from"] == "confirmed" and sent.payload["to"] == "contracting"
    assert sent.payload["actor"] == SECRETARIAT


def test_the_weekly_flows_queue_once_a_week_and_send(network: Network, mailbox: Mailbox) -> None:
    """Monday's digest to the two secretaries, the bulletin to all 35 people; a second run that week adds nothing."""
    monday = (START + timedelta(days=7)).isoformat()
    digest = weekly_digest(monday)
    assert digest["queued"] == 2 and weekly_digest(monday)["queued"] == 0
    bulletin = network_bulletin(monday)
    assert bulletin["queued"] == 33 and bulletin["sent"] >= 33  # the secretariat has it in its digest
    assert network_bulletin(monday)["queued"] == 0
    assert len(mailbox.messages()) == digest["sent"] + bulletin["sent"]


def test_a_cohort_starts_with_its_selection_notices(jalon: sessionmaker[Session], mailbox: Mailbox) -> None:
    """The secretariat's one command: programme, cities, people in; every city team asked to confirm."""
    result = onboard_cohort(
        str(EXAMPLES / "cities.csv"), str(EXAMPLES / "people.csv"), str(EXAMPLES / "programme.yaml"), START.isoformat()
    )
    assert result["programme"] == "ASTON v1" and result["cities"] == 12 and result["people"] == 35
    subjects = [m["Subject"] for m in mailbox.messages()]
    assert result["sent"] == len(subjects) == 13 + 11, "13 selection notices, 11 coaches named in the people file"
    assert any("Bamako est sélectionnée" in s for s in subjects) and any("Matola selecionada" in s for s in subjects)


def test_the_reporting_cycle_lists_every_open_report(network: Network) -> None:
    """After the award, each experimenting city owes a report a quarter later; the cycle shows it and its lateness."""
    network.walk("BKO", "submit_report")
    result = reporting_cycle((network.clock + timedelta(days=120)).isoformat())
    reports = result["reports"]
    assert isinstance(reports, list)
    [report] = reports
    assert report["city"] == "BKO" and report["report"] == "periodic_report_1" and report["late_by"] > 0


@pytest.mark.filterwarnings("ignore:Logger 'prefect.task_runs' attempted to send logs:UserWarning")
def test_tell_finance_takes_the_events_resource_id(network: Network, mailbox: Mailbox) -> None:
    """The automation passes 'jalon.city.BKO'; finance's message about the award goes out at once."""
    network.walk("BKO", "pay_tranche")
    result = tell_finance.fn("jalon.city.BKO", network.clock.isoformat())
    finance = [m for m in mailbox.messages() if m["To"].addresses[0].addr_spec == "ines.diallo@aston.example.org"]
    assert result["sent"] == len(mailbox.messages()) and finance


def test_a_mail_server_that_is_down_fails_the_task_so_prefect_retries_it(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """deliver_task raises (Prefect's retries take over); the messages wait in the outbox, no attempt counted."""
    from engine import database

    monkeypatch.setenv("JALON_SMTP_PORT", str(free_port()))
    database.engine.cache_clear()
    waiting = pending(network.sessions, "email")
    with pytest.raises(ConnectionError, match="cannot reach the mail server"):
        deliver_task.fn(network.clock.isoformat())
    assert pending(network.sessions, "email") == waiting


def test_a_flows_clock_is_explicit() -> None:
    """`at` without a zone is UTC; with one it is kept; none at all is now."""
    assert moment("2026-03-02T09:00").isoformat() == "2026-03-02T09:00:00+00:00"
    assert moment("2026-03-02T09:00+01:00").utcoffset() == timedelta(hours=1)
    assert moment(None).tzinfo is not None


@pytest.mark.filterwarnings("ignore:Logger 'prefect.task_runs' attempted to send logs:UserWarning")
def test_the_heartbeats_logic_through_fn_is_sweep_then_publish_then_deliver(network: Network, mailbox: Mailbox) -> None:
    """Called as a plain function, the pass reports the same counts: events published before mail goes."""
    network.act("BKO", "confirm", LEAD_BKO)
    waiting = pending(network.sessions, "email")
    result = sweep_and_deliver.fn(network.clock.isoformat())
    assert result == {"fired": 0, "skipped": 0, "events": 24, "sent": waiting, "retry": 0, "failed": 0}
    assert len(mailbox.messages()) == waiting


def test_a_demo_day_sends_each_reminder_at_nine_in_its_readers_zone(network: Network, mailbox: Mailbox) -> None:
    """The demo stops its clock where a heartbeat would find work: each reminder leaves, and is dated, 09:00 in
    its reader's zone (each city team at 09:00 in its city), not at one hour for all."""
    deliver_task(START.isoformat())  # the selection notices, out of the way
    sent = len(mailbox.messages())
    with network.sessions() as s:
        first = s.scalar(select(func.min(Rung.fire_at)))  # the first rung of all: the days before have none
        zones = dict(
            s.execute(
                select(Person.email, City.timezone)
                .join(RoleAssignment, RoleAssignment.person_id == Person.id)
                .join(City, City.id == RoleAssignment.city_id)
            ).all()
        )
    assert first is not None
    _play_day(network.sessions, first.date(), [], lambda step: None, Counter())
    letters = mailbox.messages()[sent:]
    assert letters, "the day's reminders"
    for letter in letters:
        reader = letter["To"].addresses[0].addr_spec
        local = letter["Date"].datetime.astimezone(ZoneInfo(zones[reader]))
        assert (local.hour, local.minute) == (9, 0), (reader, letter["Date"])
