"""Jalon run for real: a `prefect server`, `prefect deploy --all` from prefect.yaml, workers on the process pool,
mail arriving at an SMTP server; and the automation that tells finance when a committee approves a grant."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select, text

from mail_server import Mailbox, free_port
from models import City, OutboxMessage
from models.db import make_engine, make_sessions, upgrade
from support import LEAD_BKO, SECRETARIAT, START, load_examples

ROOT = Path(__file__).resolve().parents[2]
PREFECT = [sys.executable, "-m", "prefect"]
JALON = [sys.executable, "-m", "cli"]
PATIENCE = 180.0  # seconds a wait may last before the test gives up (a bound, never an expectation)


def until(condition: Any, what: str) -> Any:
    """Poll until `condition()` is truthy; fail after PATIENCE seconds."""
    give_up = time.monotonic() + PATIENCE
    while not (found := condition()):
        assert time.monotonic() < give_up, f"gave up waiting for {what}"
        time.sleep(0.5)
    return found


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*PREFECT, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=PATIENCE)
    assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A real Prefect server (own port, own home), the `jalon` process pool, and every deployment of prefect.yaml."""
    home = tmp_path_factory.mktemp("prefect")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")},
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        # the schedules would start heartbeats of their own on the real clock, every 5 minutes, into these tests
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
        "PWD": str(ROOT),
    }
    log = (home / "server.log").open("w")
    server = subprocess.Popen(
        [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        until(lambda: _healthy(api), "the Prefect server")
        env["PREFECT_API_URL"] = api
        run(env, "work-pool", "create", "jalon", "--type", "process")
        deployed = run(env, "--no-prompt", "deploy", "--all")
        assert "sweep-and-deliver/heartbeat" in deployed.stdout
        yield env
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


def _healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def flow_runs(env: dict[str, str], deployment: str) -> list[dict[str, Any]]:
    """The flow runs of one deployment, as the API lists them."""
    api = env["PREFECT_API_URL"]
    found = httpx.post(f"{api}/deployments/filter", json={"deployments": {"name": {"any_": [deployment]}}}).json()
    if not found:
        return []
    body = {"flow_runs": {"deployment_id": {"any_": [found[0]["id"]]}}}
    return list(httpx.post(f"{api}/flow_runs/filter", json=body).json())


def worker(env: dict[str, str]) -> subprocess.Popen[str]:
    """`prefect worker start --pool jalon --run-once`: takes what is due, runs it, stops."""
    return subprocess.Popen(
        [*PREFECT, "worker", "start", "--pool", "jalon", "--run-once"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def jalon_env(env: dict[str, str], url: str, mailbox: Mailbox) -> dict[str, str]:
    """What a worker needs of Jalon's settings: the database and the mail server."""
    return env | {"JALON_DATABASE_URL": url, "JALON_SMTP_PORT": str(mailbox.port)}


def test_deploy_then_a_worker_runs_the_heartbeat_and_the_automation_tells_finance(
    prefect_server: dict[str, str], tmp_path: Path
) -> None:
    """`jalon act ... approve_grant` publishes its event on commit; the automation starts tell-finance at once; a
    worker runs it and the heartbeat deployment, and the mail arrives."""
    url = f"sqlite:///{tmp_path / 'jalon.db'}"
    engine = make_engine(url)
    upgrade(engine)
    network = load_examples(make_sessions(engine), START)
    network.walk("BKO", "approve_grant")
    box = Mailbox(tmp_path / "mail")
    try:
        env = jalon_env(prefect_server, url, box)
        approved = subprocess.run(
            [
                *JALON,
                "act",
                "BKO",
                "approve_grant",
                "--by",
                SECRETARIAT,
                "--set",
                "amount=40000",
                "--set",
                "currency=EUR",
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=PATIENCE,
        )
        assert approved.returncode == 0 and "note:" not in approved.stderr, approved.stderr
        [told] = until(lambda: flow_runs(env, "tell-finance"), "the automation to start tell-finance")
        assert told["parameters"] == {"city": "jalon.city.BKO"}
        # the real clock, as tell-finance (started by the automation, no `at`) uses: leases compare the runs'
        # clocks, and a heartbeat on a simulated January beside it would see tell-finance's claims as long dead
        at = datetime.now(UTC).isoformat()
        run(env, "deployment", "run", "sweep-and-deliver/heartbeat", "--param", f"at={at}")
        first = worker(env)
        output, _ = first.communicate(timeout=PATIENCE)
        assert first.returncode == 0, output
        done = until(
            lambda: [r for r in flow_runs(env, "tell-finance") if r["state"]["type"] == "COMPLETED"], "tell-finance"
        )
        assert len(done) == 1, output
        [heartbeat] = [r for r in flow_runs(env, "heartbeat") if r["parameters"].get("at") == at]
        assert heartbeat["state"]["type"] == "COMPLETED", output
        with engine.connect() as conn:
            sent = conn.scalar(
                select(func.count()).where(OutboxMessage.state == "sent", OutboxMessage.channel == "email")
            )
        assert sent == len(box.messages()) > 0
        finance = [m for m in box.messages() if m["To"].addresses[0].addr_spec == "ines.diallo@aston.example.org"]
        assert any("40" in m["Subject"] for m in finance), "finance heard of the award"
    finally:
        box.stop()


@pytest.mark.postgres
def test_two_workers_on_one_postgresql_send_every_message_once(
    prefect_server: dict[str, str], committed_postgres: Engine, tmp_path: Path
) -> None:
    """Two heartbeat runs taken by two workers at once, on one PostgreSQL: each message arrives once."""
    sessions = make_sessions(committed_postgres)
    network = load_examples(sessions, START)
    with sessions() as s:
        codes = list(s.scalars(select(City.code).order_by(City.code)))
    for code in codes:
        network.act(code, "confirm", SECRETARIAT if code != "BKO" else LEAD_BKO)
    with committed_postgres.connect() as conn:
        schema = conn.scalar(text("SHOW search_path"))
        total = conn.scalar(select(func.count()).where(OutboxMessage.channel == "email"))
    url = committed_postgres.url.render_as_string(hide_password=False) + f"?options=-csearch_path%3D{schema}"
    box = Mailbox(tmp_path / "mail")
    try:
        env = jalon_env(prefect_server, url, box)
        at = (network.clock + timedelta(minutes=7)).isoformat()  # its own moment: runs are told apart by it
        for _ in range(2):
            run(env, "deployment", "run", "sweep-and-deliver/heartbeat", "--param", f"at={at}")
        workers = [worker(env), worker(env)]
        outputs = [w.communicate(timeout=PATIENCE)[0] for w in workers]
        assert [w.returncode for w in workers] == [0, 0], outputs
        runs = [r for r in flow_runs(env, "heartbeat") if r["parameters"].get("at") == at]
        assert [r["state"]["type"] for r in runs] == ["COMPLETED", "COMPLETED"], outputs
        received = Counter(str(m["Message-ID"]) for m in box.messages())
    finally:
        box.stop()
    assert len(received) == total and set(received.values()) == {1}
