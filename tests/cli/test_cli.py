"""The `jalon` command as a person runs it: real processes, a real database file, what they read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support import COACH_BEN, COACH_BKO, EXAMPLES, LEAD_BKO, SECRETARIAT

JALON = [sys.executable, "-m", "cli"]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A database file set up with the sample programme through the CLI itself."""
    path = tmp_path_factory.mktemp("cli") / "jalon.db"
    env = {**os.environ, "JALON_DATABASE_URL": f"sqlite:///{path}", "COLUMNS": "200"}
    for args in (
        ["init"],
        ["programme", "load", str(EXAMPLES / "programme.yaml")],
        ["cities", "import", str(EXAMPLES / "cities.csv")],
        ["people", "import", str(EXAMPLES / "people.csv")],
    ):
        subprocess.run([*JALON, *args], env=env, check=True, capture_output=True, text=True)
    return env


def jalon(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*JALON, *args], env=env, capture_output=True, text=True, timeout=60)


def test_help_does_not_import_prefect() -> None:
    probe = "import sys\nfrom cli.main import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
    probe += "print('PREFECT' if any(m.split('.')[0] == 'prefect' for m in sys.modules) else 'CLEAN')"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert "Pull a trigger on a city" in run.stdout
    assert run.stdout.strip().endswith("CLEAN")


def test_loading_twice_says_unchanged(db: dict[str, str]) -> None:
    run = jalon(db, "programme", "load", str(EXAMPLES / "programme.yaml"))
    assert run.returncode == 0
    assert run.stdout.strip() == "Programme ASTON: version 1 unchanged."


def test_an_act_moves_the_city_and_shows_in_status_and_history(db: dict[str, str]) -> None:
    run = jalon(db, "act", "KGL", "confirm", "--by", "aline.uwase@kigali.example.org", "--note", "Mayor agrees")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "KGL: confirm done (selected → confirmed), version 3."
    board = json.loads(jalon(db, "status", "--json").stdout)
    assert {"city": "KGL", "state": "confirmed"}.items() <= next(r for r in board if r["city"] == "KGL").items()
    assert len(board) == 12
    trail = json.loads(jalon(db, "history", "KGL", "--json").stdout)
    assert [(e["trigger"], e["from"], e["to"], e["by"]) for e in trail] == [
        ("join", "", "selected", "import:cities.csv"),
        ("assign_coach", "selected", "selected", "import:people.csv"),  # the coach named in the people file
        ("confirm", "selected", "confirmed", "aline.uwase@kigali.example.org"),
    ]
    assert trail[2]["note"] == "Mayor agrees"
    assert trail[2]["at"].endswith("+00:00")


def test_can_as_json_has_the_documented_shape(db: dict[str, str]) -> None:
    run = jalon(db, "can", "BKO", "--by", SECRETARIAT, "--json")
    answer = json.loads(run.stdout)
    assert set(answer) == {"allowed", "refused"}
    allowed = {a["trigger"]: a["needs"] for a in answer["allowed"]}
    assert allowed == {
        "confirm": [],
        "decline": ["reason"],
        "change_details": ["name?", "country?", "timezone?", "languages?"],
        "assign_coach": ["coach"],
        "extend_deadline": ["days", "reason"],
        "pause": ["reason"],
        "withdraw": ["reason"],
    }
    refused = {r["trigger"]: r["reason"] for r in answer["refused"]}
    assert refused["send_contract"] == "'send_contract' is not possible while the city is selected."


def test_a_refused_act_exits_1_with_the_reason_and_no_traceback(db: dict[str, str]) -> None:
    run = jalon(db, "act", "NIM", "decline", "--by", COACH_BEN, "--set", "reason=no")
    assert run.returncode == 1
    assert run.stderr.startswith("error: Only the secretariat or this city's lead may 'decline'.")
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_bad_input_exits_2_with_one_sentence(db: dict[str, str]) -> None:
    cases = {
        ("act", "XYZ", "confirm", "--by", LEAD_BKO): "error: No city with code 'XYZ'.",
        ("act", "BKO", "confirm", "--by", "not-an-email"): "error: 'not-an-email' is not an email address.",
        ("act", "BKO", "fly", "--by", LEAD_BKO): "error: 'fly' is not a trigger.",
        ("act", "BKO", "decline", "--by", LEAD_BKO, "--set", "reason"): "error: --set expects KEY=VALUE, got 'reason'.",
        ("diagram", "--lifecycle", "plan"): "error: 'plan' is not a lifecycle; choose city, report or tranche.",
    }
    for args, expected in cases.items():
        run = jalon(db, *args)
        assert run.returncode == 2, (args, run.stderr)
        assert run.stderr.startswith(expected), (args, run.stderr)
        assert "Traceback" not in run.stderr


def test_an_import_with_problems_names_file_line_field_and_writes_nothing(db: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "people.csv"
    bad.write_text("email,name,roles\nnew.person@example.org,New Person,coach@BKO\nbroken,Someone,mayor@ZZZ\n")
    run = jalon(db, "people", "import", str(bad))
    assert run.returncode == 2
    assert f"{bad}, line 3, field 'email': 'broken' is not an email address" in run.stderr
    assert f"{bad}, line 3, field 'roles': no city with code 'ZZZ'" in run.stderr
    refused = jalon(db, "can", "BKO", "--by", "new.person@example.org")
    assert refused.returncode == 2
    assert "No person with email new.person@example.org" in refused.stderr


def test_an_uninitialised_database_says_to_run_init(tmp_path: Path) -> None:
    env = {**os.environ, "JALON_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    run = jalon(env, "status")
    assert run.returncode == 2
    assert run.stderr.strip() == "error: The database has no Jalon tables yet; run `jalon init` first."


def test_verify_reports_an_intact_trail(db: dict[str, str]) -> None:
    run = jalon(db, "verify")
    assert (run.returncode, run.stdout.strip()) == (0, "Audit trail intact; replay matches every city.")


def test_the_coach_sees_only_what_they_may_do(db: dict[str, str]) -> None:
    run = jalon(db, "can", "BKO", "--by", COACH_BKO)
    assert run.returncode == 0
    allowed = run.stdout.split("Possible at this stage")[0]
    assert f"{COACH_BKO} may do nothing on BKO now." in allowed, "a reminder is acknowledged from its message"
    assert "confirm" not in allowed and "decline" not in allowed, "and nothing else"


def test_diagram_prints_mermaid() -> None:
    run = subprocess.run([*JALON, "diagram"], capture_output=True, text=True, timeout=60)
    assert run.stdout.startswith("stateDiagram-v2\n    [*] --> selected\n")


def test_text_people_type_is_printed_as_typed(db: dict[str, str]) -> None:
    note = "see [annex 2] and [/bold] for the budget"
    run = jalon(db, "act", "KMS", "confirm", "--by", "ama.owusu@kumasi.example.org", "--note", note)
    assert run.returncode == 0, run.stderr
    shown = jalon(db, "history", "KMS")
    assert shown.returncode == 0, shown.stderr
    assert note in shown.stdout
    odd = jalon(db, "act", "[/x]", "confirm", "--by", LEAD_BKO)
    assert (odd.returncode, odd.stderr.strip()) == (
        2,
        "error: No city with code '[/x]'. See `jalon status` for the codes.",
    )


def test_a_database_that_does_not_exist_is_named_without_its_password(tmp_path: Path) -> None:
    env = {**os.environ, "JALON_DATABASE_URL": "postgresql://postgres:s3cret@127.0.0.1:5432/jalon_no_such_db"}
    run = jalon(env, "init")
    assert run.returncode == 2
    assert run.stderr.startswith(
        "error: The database at postgresql://postgres:***@127.0.0.1:5432/jalon_no_such_db could"
    )
    assert 'database "jalon_no_such_db" does not exist' in run.stderr
    assert "s3cret" not in run.stderr + run.stdout
    assert "Traceback" not in run.stderr


def test_sweep_deadlines_extend_and_calendar(db: dict[str, str]) -> None:
    from icalendar import Calendar

    assert jalon(db, "act", "MTL", "confirm", "--by", "helio.mondlane@matola.example.org").returncode == 0
    extended = jalon(
        db,
        "extend",
        "MTL",
        "--days",
        "3",
        "--reason",
        "Assembleia municipal",
        "--by",
        "claire.martin@aston.example.org",
    )
    assert extended.returncode == 0, extended.stderr
    assert extended.stdout.startswith("MTL: deadline extended by 3 business days")
    listed = json.loads(jalon(db, "deadlines", "--json").stdout)
    matola = next(d for d in listed if d["city"] == "MTL" and d["subject"] == "confirmed")
    assert matola["extended_days"] == 3 and matola["late_by"] == 0
    far = "2031-01-06T09:30+00:00"
    first = json.loads(jalon(db, "sweep", "--at", far, "--json").stdout)
    assert any(f["city"] == "MTL" and f["subject"] == "confirmed" for f in first["fired"])
    again = json.loads(jalon(db, "sweep", "--at", far, "--json").stdout)
    assert again["fired"] == [] and again["skipped"] == []
    overdue = json.loads(jalon(db, "deadlines", "--overdue", "--at", far, "--json").stdout)
    assert {d["city"] for d in overdue} >= {"MTL", "BKO"}
    ics = jalon(db, "calendar", "MTL")
    parsed = Calendar.from_ical(ics.stdout)
    summaries = [str(e.get("summary")) for e in parsed.walk("VEVENT")]
    assert "Matola: Confirmed due" in summaries
    assert "TZID=Africa/Maputo" in ics.stdout
    assert [str(t.get("tzid")) for t in parsed.walk("VTIMEZONE")] == ["Africa/Maputo"]
    bad = jalon(db, "sweep", "--at", "next tuesday")
    assert (bad.returncode, bad.stderr.startswith("error: --at expects an ISO date and time")) == (2, True)


def test_an_act_commits_and_says_so_when_prefect_is_not_reachable(db: dict[str, str]) -> None:
    """With PREFECT_API_URL pointing nowhere, the act is done, a note says the event waits for the heartbeat,
    and Prefect is not even imported (the check costs half a second at most)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        nowhere = s.getsockname()[1]
    env = db | {"PREFECT_API_URL": f"http://127.0.0.1:{nowhere}/api"}
    done = jalon(env, "act", "KLA", "confirm", "--by", "david.okello@kampala.example.org")
    assert done.returncode == 0 and "KLA: confirm done (selected → confirmed)" in done.stdout
    assert "Prefect is not reachable; the event will go with the next heartbeat" in done.stderr
    assert "Traceback" not in done.stderr
    history = json.loads(jalon(db, "history", "KLA", "--json").stdout)
    assert history[-1]["trigger"] == "confirm"


def test_the_secretariat_takes_access_away_from_the_command_line(db: dict[str, str]) -> None:
    lead = "koffi.agbo@semepodji.example.org"
    refused = jalon(db, "people", "take", lead, "city_lead@SMP", "--by", lead, "--reason", "me")
    assert refused.returncode == 2 and "Only the secretariat" in refused.stderr and "Traceback" not in refused.stderr
    taken = jalon(
        db, "people", "take", "maire@semepodji.example.org", "mayor@SMP", "--by", SECRETARIAT, "--reason", "Elections"
    )
    assert taken.returncode == 0 and "no longer holds mayor@SMP" in taken.stdout
    gone = jalon(db, "people", "remove", lead, "--by", SECRETARIAT, "--reason", "Left the council")
    assert gone.returncode == 0 and "city_lead@SMP" in gone.stdout and "withdrawn" in gone.stdout
    act = jalon(db, "act", "SMP", "confirm", "--by", lead)
    assert act.returncode == 1 and "was removed from the network" in act.stderr
    twice = jalon(db, "people", "remove", lead, "--by", SECRETARIAT, "--reason", "again")
    assert twice.returncode == 2 and "already removed" in twice.stderr
