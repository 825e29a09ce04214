"""`jalon deliver` and `jalon mail-sink` as real processes: killed and restarted, two at once, misconfigured."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from engine.views.digest import network_bulletin
from mail_server import Mailbox, free_port
from models import City, OutboxMessage
from models.db import make_engine, make_sessions, upgrade
from notifications.delivery import LEASE
from support import SECRETARIAT, START, load_examples

JALON = [sys.executable, "-m", "cli"]
PATIENCE = 120.0  # seconds before a wait gives up (a bound, never an expectation)


def populate(engine: Engine) -> int:
    """The sample programme, every city confirmed, and a bulletin: about a hundred messages; how many."""
    sessions = make_sessions(engine)
    network = load_examples(sessions, START)
    with sessions() as s:
        codes = list(s.scalars(select(City.code).order_by(City.code)))
    for code in codes:
        network.act(code, "confirm", SECRETARIAT)
    network_bulletin(sessions, network.tick())
    with sessions() as s:
        return len(list(s.scalars(select(OutboxMessage.id).where(OutboxMessage.channel == "email"))))


def environment(engine: Engine, port: int) -> dict[str, str]:
    """What a process needs to reach this database (its schema, on PostgreSQL) and the test's mail server."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            url += f"?options=-csearch_path%3D{conn.scalar(text('SHOW search_path'))}"
    return {**os.environ, "JALON_DATABASE_URL": url, "JALON_SMTP_PORT": str(port), "COLUMNS": "200"}


def sent_ids(engine: Engine) -> tuple[set[str], Counter[str]]:
    """The Message-IDs the outbox says it sent, and each row's state."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(OutboxMessage.message_id, OutboxMessage.state).where(OutboxMessage.channel == "email")
        ).all()
    return {str(r.message_id) for r in rows}, Counter(r.state for r in rows)


def test_a_delivery_killed_at_random_points_and_restarted_loses_nothing(tmp_path: Path) -> None:
    """SIGKILL while the server holds a message it has not yet acknowledged, three times: each such message goes
    again after the claim's lease, with the same Message-ID; every other message goes exactly once."""
    engine = make_engine(f"sqlite:///{tmp_path / 'jalon.db'}")
    upgrade(engine)
    total = populate(engine)
    rng = random.Random(20261122)
    points = sorted(rng.sample(range(4, total - 4, 4), 3))  # spaced, so each restart reaches the next one
    running: dict[str, Any] = {}

    def kill(count: int) -> None:
        if running.get("point") == count:
            os.kill(running["process"].pid, signal.SIGKILL)

    box = Mailbox(tmp_path / "mail", on_message=kill)
    try:
        at = START + timedelta(days=1)
        for point in [*points, None]:
            running["point"] = point
            running["process"] = subprocess.Popen(
                [*JALON, "deliver", "--at", at.isoformat(), "--batch", "7"],
                env=environment(engine, box.port),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            _, err = running["process"].communicate(timeout=PATIENCE)
            expected = -signal.SIGKILL if point is not None else 0
            assert running["process"].returncode == expected, err
            at += LEASE + timedelta(minutes=1)  # the next run may take back what the killed one had claimed
        received = Counter(str(m["Message-ID"]) for m in box.messages())
    finally:
        box.stop()
    ids, states = sent_ids(engine)
    assert states == Counter({"sent": total})
    assert set(received) == ids and len(ids) == total
    repeated = {k: n for k, n in received.items() if n > 1}
    # each kill lands before the server's 250 reaches the sender: exactly that message repeats, once
    assert len(repeated) == len(points) and set(repeated.values()) == {2}
    assert sum(received.values()) == total + len(repeated)


@pytest.mark.postgres
def test_two_deliveries_at_once_on_postgresql_send_each_message_once(
    committed_postgres: Engine, tmp_path: Path
) -> None:
    """Two `jalon deliver` processes claim with SKIP LOCKED: between them every message goes, none twice."""
    total = populate(committed_postgres)
    box = Mailbox(tmp_path / "mail")
    try:
        env = environment(committed_postgres, box.port)
        at = (START + timedelta(days=1)).isoformat()
        processes = [
            subprocess.Popen(
                [*JALON, "deliver", "--at", at, "--batch", "5", "--json"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=PATIENCE) for p in processes]
        assert [p.returncode for p in processes] == [0, 0], outputs
        received = Counter(str(m["Message-ID"]) for m in box.messages())
    finally:
        box.stop()
    assert len(received) == total and set(received.values()) == {1}
    ids, states = sent_ids(committed_postgres)
    assert states == Counter({"sent": total}) and ids == set(received)


def test_a_user_without_a_password_is_told_what_to_set_and_nothing_is_touched(tmp_path: Path) -> None:
    """No keyring lookup, no prompt on a terminal nobody watches: one sentence, exit 2, the outbox untouched."""
    engine = make_engine(f"sqlite:///{tmp_path / 'jalon.db'}")
    upgrade(engine)
    total = populate(engine)
    env = environment(engine, free_port()) | {"JALON_SMTP_USER": "jalon@aston.example.org"}
    run = subprocess.run(
        [*JALON, "deliver"], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=PATIENCE
    )
    assert run.returncode == 2
    assert "JALON_SMTP_PASSWORD" in run.stderr and "Traceback" not in run.stderr + run.stdout
    assert sent_ids(engine)[1] == Counter({"pending": total})


def test_the_password_never_appears_when_the_server_is_down(tmp_path: Path) -> None:
    """Mail down is exit 1 with where it tried, the user, and no secret."""
    engine = make_engine(f"sqlite:///{tmp_path / 'jalon.db'}")
    upgrade(engine)
    populate(engine)
    env = environment(engine, free_port()) | {"JALON_SMTP_USER": "jalon", "JALON_SMTP_PASSWORD": "s3cret-pw"}
    run = subprocess.run([*JALON, "deliver"], env=env, capture_output=True, text=True, timeout=PATIENCE)
    assert run.returncode == 1
    assert "cannot be reached" in run.stderr and "smtp://jalon@127.0.0.1" in run.stderr
    assert "s3cret-pw" not in run.stderr + run.stdout


def test_mail_sink_keeps_what_deliver_sends(tmp_path: Path) -> None:
    """The newcomer's path: `jalon mail-sink` in one terminal, `jalon deliver` in another, .eml files to open."""
    engine = make_engine(f"sqlite:///{tmp_path / 'jalon.db'}")
    upgrade(engine)
    total = populate(engine)
    port = free_port()
    folder = tmp_path / "mail"
    sink = subprocess.Popen(
        [*JALON, "mail-sink", "--dir", str(folder), "--port", str(port)],
        env=environment(engine, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        give_up = time.monotonic() + PATIENCE
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < give_up and sink.poll() is None, "the sink did not start"
                time.sleep(0.1)
        run = subprocess.run(
            [*JALON, "deliver"], env=environment(engine, port), capture_output=True, text=True, timeout=PATIENCE
        )
        assert run.returncode == 0, run.stderr
        assert f"Sent {total}," in run.stdout
    finally:
        sink.send_signal(signal.SIGINT)
        out, _ = sink.communicate(timeout=PATIENCE)
    assert sink.returncode == 0
    assert f"Mail sink on 127.0.0.1:{port}" in out
    assert len(list(folder.glob("*.eml"))) == total
