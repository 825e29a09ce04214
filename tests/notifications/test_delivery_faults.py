"""Delivery when things break: a server that hangs up or answers too late, our own database cut, clocks apart."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, Table, insert, select, text

from engine.outgoing import deliver
from engine.views.digest import network_bulletin
from mail_server import Flaky, Mailbox, smtp
from models import City, OutboxMessage
from models.db import make_engine, make_sessions
from notifications.channels import Outcome, Outgoing
from notifications.claims import BACKOFF, DOWN_RETRY
from notifications.email import EmailChannel
from support import LEAD_BKO, SECRETARIAT, START, Network, load_examples

POISON = LEAD_BKO


def rows(network: Network) -> list[OutboxMessage]:
    with network.sessions() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")))


def arrivals(box: Mailbox) -> Counter[str]:
    """How many times each Message-ID reached the server."""
    return Counter(str(m["Message-ID"]) for m in box.messages())


def assert_one_message_backs_off_alone(network: Network, box: Mailbox, channel: EmailChannel, said: str) -> None:
    """The first run: the poison message is retried later, attempt counted; every other message arrives once."""
    at = network.tick()
    pending = rows(network)
    poison = {r.key for r in pending if r.recipient_id and POISON in _email(network, r.recipient_id)}
    assert poison and len(pending) - len(poison) >= 12
    report = deliver(network.sessions, at, channel, batch=5)
    assert report.down is None and report.lost is None
    assert {m.key for m in report.messages if m.outcome == "retry"} == poison
    assert report.count("sent") == len(pending) - len(poison)
    after = {r.key: r for r in rows(network)}
    for key in poison:
        row = after[key]
        assert (row.state, row.attempts) == ("pending", 1)
        assert row.last_error and said in row.last_error
        assert row.next_attempt_at is not None and at + BACKOFF[0] <= row.next_attempt_at < at + BACKOFF[1]
    sent = {str(r.message_id) for r in after.values() if r.state == "sent"}
    received = arrivals(box)
    assert all(received[i] == 1 for i in sent), "every other message arrived exactly once"
    # before its backoff, nothing goes again; after it, the poison message is tried again and counted again
    assert deliver(network.sessions, at + timedelta(seconds=30), channel).messages == []
    again = deliver(network.sessions, at + BACKOFF[0] + timedelta(seconds=30), channel)
    assert {m.key for m in again.messages} == poison and again.count("retry") == len(poison)
    assert {r.attempts for r in rows(network) if r.key in poison} == {2}
    assert all(arrivals(box)[i] == 1 for i in sent)


def _email(network: Network, person_id: int) -> str:
    from models import Person

    with network.sessions() as s:
        return s.get_one(Person, person_id).email


def test_a_server_that_hangs_up_before_its_answer_delays_that_message_alone(network: Network, tmp_path: Path) -> None:
    """The server keeps the message and drops the line before its 250: that message waits its backoff, the run
    reconnects, and the twelve and more behind it go, once each."""
    box = Mailbox(tmp_path / "mail", hang_up=frozenset({POISON}))
    try:
        assert_one_message_backs_off_alone(network, box, smtp(box.port), "closed the connection before answering")
    finally:
        box.stop()


def test_a_server_that_answers_after_the_timeout_delays_that_message_alone(network: Network, tmp_path: Path) -> None:
    """The 250 comes a second late, past a timeout of 0.3 s: the same as a hang-up, said as a timeout."""
    box = Mailbox(tmp_path / "mail", slow={POISON: 1.0})
    try:
        assert_one_message_backs_off_alone(network, box, smtp(box.port, timeout=0.3), "no answer within 0.3 s")
    finally:
        box.stop()


def first_meddled(before_first: Callable[[], None]) -> Callable[[Outgoing], Outcome | None]:
    """A Flaky hook that runs once, before the first message goes (a second run, say), and lets it go."""
    pending = [before_first]

    def hook(_: Outgoing) -> None:
        while pending:
            pending.pop()()

    return hook


def test_two_runs_with_clocks_years_apart_never_send_a_message_twice(network: Network, mailbox: Mailbox) -> None:
    """A run told it is January 2026 and one told it is 2029, side by side: the second leaves the first's claimed
    messages alone (leases are on the wall clock); each message goes once, dated when it really went."""
    past = network.tick()
    future = past + timedelta(days=3 * 365)
    total = len(rows(network))
    other: list[object] = []
    began = datetime.now(UTC)
    first = deliver(
        network.sessions,
        past,
        Flaky(
            smtp(mailbox.port),
            first_meddled(lambda: other.append(deliver(network.sessions, future, smtp(mailbox.port)))),
        ),
        batch=5,
    )
    ended = datetime.now(UTC)
    assert other and first.count("sent") >= 5
    assert all(m.outcome == "sent" for m in first.messages)
    received = arrivals(mailbox)
    assert sum(received.values()) == len(received) == total, "every message once, none twice"
    done = rows(network)
    assert {r.state for r in done} == {"sent"}
    assert all(r.sent_at is not None and began <= r.sent_at <= ended for r in done), "sent_at is when it went"


def _many(engine: Engine, total: int) -> int:
    """The sample programme, every city confirmed, a bulletin, then copies of those messages up to `total` rows."""
    sessions = make_sessions(engine)
    network = load_examples(sessions, START)
    with sessions() as s:
        codes = list(s.scalars(select(City.code).order_by(City.code)))
    for code in codes:
        network.act(code, "confirm", SECRETARIAT)
    network_bulletin(sessions, network.tick())
    table = OutboxMessage.__table__
    assert isinstance(table, Table)
    with engine.begin() as conn:
        columns = [c for c in table.c if c.name != "id"]
        real = [dict(r._mapping) for r in conn.execute(select(*columns).where(table.c.channel == "email"))]
        copies = [{**real[i % len(real)], "key": f"copy:{i}:{real[i % len(real)]['key']}"} for i in range(total)]
        conn.execute(insert(table), copies[: total - len(real)])
    return total


@pytest.mark.slow
@pytest.mark.postgres
def test_our_database_cut_at_random_points_fails_nothing_and_loses_nothing(
    committed_postgres: Engine, tmp_path: Path
) -> None:
    """pg_terminate_backend on the delivery's connections at random moments of 2,000 messages: each run that loses
    its database stops and says so; no message is failed for it, every one arrives, and at most the message in
    flight when a run lost its database arrives twice."""
    total = _many(committed_postgres, 2000)
    with committed_postgres.connect() as conn:
        schema = conn.scalar(text("SHOW search_path"))
    name = f"jalon-deliver-cut-{random.getrandbits(32):08x}"
    url = committed_postgres.url.render_as_string(hide_password=False)
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}", "application_name": name})
    killer = make_engine(url, isolation_level="AUTOCOMMIT")
    box = Mailbox(tmp_path / "mail")
    rng = random.Random(20261201)
    stop, cuts = threading.Event(), [0]

    def cut() -> None:
        with killer.connect() as conn:
            while not stop.wait(rng.uniform(0.02, 0.3)):
                killed = conn.scalar(
                    text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :n"),
                    {"n": name},
                )
                cuts[0] += killed or 0

    thread = threading.Thread(target=cut, daemon=True)
    thread.start()
    lost: list[str] = []
    try:
        sessions, at, runs = make_sessions(engine), START + timedelta(days=1), 0
        while runs < 300:
            runs += 1
            report = deliver(sessions, at, smtp(box.port))
            assert report.down is None
            assert report.count("failed") == 0, [m.answer for m in report.messages if m.outcome == "failed"]
            if report.lost:
                lost.append(report.lost)
                if len(lost) >= 4:
                    stop.set()  # enough runs cut short: let the delivery finish
            elif not report.messages:
                break
            at += DOWN_RETRY + timedelta(minutes=1)  # what a cut run put back is due again
    finally:
        stop.set()
        thread.join()
        box.stop()
        engine.dispose()
        killer.dispose()
    assert len(lost) >= 4 and cuts[0] >= 4, "the database was cut under running deliveries"
    assert all("terminat" in reason or "connection" in reason.lower() for reason in lost), lost
    with committed_postgres.connect() as conn:
        states = Counter(conn.scalars(select(OutboxMessage.state).where(OutboxMessage.channel == "email")))
        ids = set(conn.scalars(select(OutboxMessage.message_id).where(OutboxMessage.channel == "email")))
    assert states == Counter({"sent": total}), "nothing failed, nothing left waiting"
    received = arrivals(box)
    assert set(received) == ids and len(ids) == total, "nothing lost"
    repeated = [n for n in received.values() if n > 1]
    assert set(repeated) <= {2} and len(repeated) <= len(lost), "at most the message in flight, per cut run"


@pytest.mark.slow
@pytest.mark.postgres
def test_jalon_deliver_says_it_lost_the_database_and_exits_1(committed_postgres: Engine, tmp_path: Path) -> None:
    """`jalon deliver` whose database connections are cut while the server holds the fifth message: it says the
    database was lost and exits 1, fails nothing; the next run sends the rest, at most that fifth message twice."""
    total = _many(committed_postgres, 150)
    with committed_postgres.connect() as conn:
        schema = conn.scalar(text("SHOW search_path"))
    name = f"jalon-deliver-cli-{random.getrandbits(32):08x}"
    url = committed_postgres.url.render_as_string(hide_password=False)
    killer = make_engine(url, isolation_level="AUTOCOMMIT")

    def cut(count: int) -> None:
        if count == 5:
            with killer.connect() as conn:
                conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :n"),
                    {"n": name},
                )

    box = Mailbox(tmp_path / "mail", on_message=cut)
    env = {
        **os.environ,
        "JALON_DATABASE_URL": f"{url}?options=-csearch_path%3D{schema}&application_name={name}",
        "JALON_SMTP_PORT": str(box.port),
        "COLUMNS": "200",
    }
    at = START + timedelta(days=1)
    try:
        runs = []
        for when in (at, at + DOWN_RETRY + timedelta(minutes=1)):
            runs.append(
                subprocess.run(
                    [sys.executable, "-m", "cli", "deliver", "--at", when.isoformat()],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
            )
        received = arrivals(box)
    finally:
        box.stop()
        killer.dispose()
    first, second = runs
    assert first.returncode == 1, first.stdout + first.stderr
    assert "database connection was lost" in first.stderr and "Traceback" not in first.stderr
    assert "failed 0" in first.stdout
    assert second.returncode == 0, second.stderr
    with committed_postgres.connect() as conn:
        states = Counter(conn.scalars(select(OutboxMessage.state).where(OutboxMessage.channel == "email")))
    assert states == Counter({"sent": total})
    assert len(received) == total and sum(received.values()) <= total + 1, "at most the fifth message twice"
