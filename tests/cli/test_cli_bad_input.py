"""Bad input through the `jalon` command (real processes): one sentence on stderr, exit 2, nothing written.

Issue 11, items 11-13 and 17: YAML bombs and deep nesting, amounts and day counts past what the database and the
calendar hold, hidden characters and huge notes, arguments that are not UTF-8, a short secret key; and every
--json printing objects of plain values.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from support import EXAMPLES, LEAD_BKO, SECRETARIAT

JALON = [sys.executable, "-m", "cli"]
LAUGHS = "".join(
    f"{a}: &{a} [{', '.join([f'*{b}'] * 9) if b else ', '.join(['lol'] * 9)}]\n"
    for a, b in zip("abcdefghi", ["", *"abcdefgh"], strict=True)
)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    path = tmp_path_factory.mktemp("bad-cli") / "jalon.db"
    env = {**os.environ, "JALON_DATABASE_URL": f"sqlite:///{path}", "COLUMNS": "200", "JALON_PATH": str(path)}
    env.pop("JALON_SECRET_KEY", None)
    for args in (
        ["init"],
        ["programme", "load", str(EXAMPLES / "programme.yaml")],
        ["cities", "import", str(EXAMPLES / "cities.csv")],
        ["people", "import", str(EXAMPLES / "people.csv")],
    ):
        subprocess.run([*JALON, *args], env=env, check=True, capture_output=True, text=True)
    return env


def jalon(env: dict[str, str], *args: str | bytes, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*JALON, *args], env={**env, **extra}, capture_output=True, text=True, timeout=20, errors="replace"
    )


def rows(env: dict[str, str]) -> tuple[int, ...]:
    """Everything a refused command could have written."""
    with sqlite3.connect(env["JALON_PATH"]) as c:
        tables = ("audit_events", "outbox", "cities", "people", "programme_versions")
        return tuple(c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables)


def refused(env: dict[str, str], before: tuple[int, ...], run: subprocess.CompletedProcess[str], *says: str) -> None:
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert run.stderr.startswith("error: ") and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    for words in says:
        assert words in run.stderr
    assert rows(env) == before


YAML = {
    "billion-laughs": (LAUGHS, "line 1: uses YAML anchors or aliases"),
    "one-alias": ("code: X\nname: &n Network\nshort: *n\n", "line 2: uses YAML anchors or aliases"),
    "deep-flow": ("code: X\nname: " + "[" * 5000 + "]" * 5000 + "\n", "line 2: nests deeper than 20 levels"),
    "deep-block": ("code: X\nname:\n" + "".join(" " * i + "a:\n" for i in range(1, 400)), "nests deeper than 20"),
}


@pytest.mark.parametrize("text,says", YAML.values(), ids=YAML.keys())
def test_a_yaml_bomb_or_deep_nesting_is_refused_fast_with_its_line(
    db: dict[str, str], tmp_path: Path, text: str, says: str
) -> None:
    file = tmp_path / "programme.yaml"
    file.write_text(text)
    before = rows(db)
    refused(db, before, jalon(db, "programme", "load", str(file)), f"{file}, {says}" if "line" in says else says)


ACTS = {
    "amount-1e29": (["--set", "amount=1" + "0" * 29, "--set", "currency=EUR"], "more than Jalon can hold"),
    "amount-5000-digits": (["--set", "amount=" + "9" * 5000, "--set", "currency=EUR"], "too long for an amount"),
    "amount-bigint+1": (["--set", "amount=92233720368547758.08", "--set", "currency=EUR"], "at most 92,233,720,368"),
    "note-escape": (["--set", "amount=10000", "--set", "currency=EUR", "--note", "\x1b[2J\x1b[31mpaid"], "U+001B"),
    "note-120kb": (["--set", "amount=10000", "--set", "currency=EUR", "--note", "x" * 120_000], "at most 4000"),
    "note-bidi": (["--set", "amount=10000", "--set", "currency=EUR", "--note", "ok \u202egnp.exe"], "U+202E"),
    "note-c1": (["--set", "amount=10000", "--set", "currency=EUR", "--note", "ok \x9b31m"], "U+009B"),
    "note-not-utf8": (
        ["--set", "amount=10000", "--set", "currency=EUR", "--note", os.fsdecode(b"bad \xff byte")],
        "is not UTF-8 text",
    ),
}


@pytest.mark.parametrize("extra,says", ACTS.values(), ids=ACTS.keys())
def test_an_amount_or_note_the_database_cannot_hold_is_refused(db: dict[str, str], extra: list[str], says: str) -> None:
    jalon(db, "act", "BKO", "confirm", "--by", LEAD_BKO)  # to where a contract is signed (once per worker's database)
    jalon(db, "act", "BKO", "send_contract", "--by", SECRETARIAT)
    before = rows(db)
    refused(db, before, jalon(db, "act", "BKO", "sign_contract", "--by", SECRETARIAT, *extra), says)


def test_extending_by_999999_days_is_refused_every_time(db: dict[str, str]) -> None:
    before = rows(db)
    for _ in range(3):
        run = jalon(db, "extend", "BKO", "--days", "999999", "--reason", "Council", "--by", SECRETARIAT)
        refused(db, before, run, "999999 business days is too many; at most 366 at a time")


HIDDEN = {
    "reason-bidi": ("extend", "BKO", "--days", "5", "--reason", "Council \u2066sits", "--by", SECRETARIAT),
    "reason-escape": ("extend", "BKO", "--days", "5", "--reason", "\x1b]0;owned\x07", "--by", SECRETARIAT),
    "name-override": ("act", "BKO", "change_details", "--by", SECRETARIAT, "--set", "name=Bam\u202eako"),
    "coach-email-bidi": ("act", "BKO", "assign_coach", "--by", SECRETARIAT, "--set", "coach=a\u202e@coach.example.org"),
}


@pytest.mark.parametrize("args", HIDDEN.values(), ids=HIDDEN.keys())
def test_hidden_characters_in_reasons_names_and_emails_are_refused(db: dict[str, str], args: tuple[str, ...]) -> None:
    before = rows(db)
    run = jalon(db, *args)
    refused(db, before, run)
    assert "hidden control character" in run.stderr or "is not an email address" in run.stderr


def test_an_arabic_name_is_accepted(db: dict[str, str]) -> None:
    run = jalon(db, "act", "NKC", "change_details", "--by", SECRETARIAT, "--set", "name=نواكشوط ولد أحمد")
    assert run.returncode == 0, run.stderr
    assert "نواكشوط ولد أحمد" in jalon(db, "status", "--json").stdout


def test_a_short_secret_key_stops_jalon_web_in_one_sentence(db: dict[str, str]) -> None:
    before = rows(db)
    run = jalon(db, "web", "--port", "1", JALON_SECRET_KEY="too-short")
    refused(db, before, run, "JALON_SECRET_KEY is 9 characters long; use at least 32")


def plain(value: object) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(plain(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))


def test_every_json_output_is_objects_of_plain_values(db: dict[str, str]) -> None:
    """Each command with --json: parsed by json.loads, records as objects, times as ISO text (outbox gave reprs)."""
    jalon(db, "act", "KGL", "confirm", "--by", "aline.uwase@kigali.example.org")
    commands = {
        "act": ["act", "BEN", "confirm", "--by", "youssef.alaoui@benguerir.example.org"],
        "can": ["can", "BKO", "--by", LEAD_BKO],
        "status": ["status"],
        "history": ["history", "KGL"],
        "verify": ["verify"],
        "sweep": ["sweep", "--at", "2030-01-01T09:00"],
        "deadlines": ["deadlines"],
        "outbox": ["outbox"],
        "deliver": ["deliver", "--at", "2030-01-01T09:00"],
    }
    for name, args in commands.items():
        run = jalon(db, *args, "--json", JALON_SMTP_PORT="9")  # deliver: the mail server is down, the JSON stays
        data = json.loads(run.stdout)
        items = data if isinstance(data, list) else [data]
        assert items and all(isinstance(i, dict) and plain(i) for i in items), (name, run.stdout[:300])
        assert "object at 0x" not in run.stdout and "Row(" not in run.stdout, name
    outbox = json.loads(jalon(db, "outbox", "--json").stdout)
    assert {"kind", "to", "state", "when"} <= set(outbox[0]) and "T" in outbox[0]["when"]
