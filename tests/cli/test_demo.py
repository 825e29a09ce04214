"""`jalon demo`, the main job, as a newcomer runs it: what it prints, the messages it leaves, the report it writes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from email import message_from_bytes
from email.policy import default as DEFAULT_POLICY
from pathlib import Path

JALON = [sys.executable, "-m", "cli"]
PATIENCE = 600.0  # seconds before the demo is given up on (a bound, never an expectation)


def play(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The demo in a process of its own, with its own Prefect home, as `make demo` runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "JALON_"))}
    env |= {"PREFECT_HOME": str(folder / "prefect"), "COLUMNS": "120"}
    done = subprocess.run(
        [*JALON, "demo", "--out", str(folder / "demo"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=PATIENCE,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def languages(mail: Path) -> Counter[str]:
    return Counter(
        str(message_from_bytes(p.read_bytes(), policy=DEFAULT_POLICY)["Content-Language"]) for p in mail.glob("*.eml")
    )


def test_the_demo_plays_eighteen_months_and_shows_what_happened(tmp_path: Path) -> None:
    """The board, the folder of messages in three languages, the timeline report, and the way into Prefect's UI."""
    done = play(tmp_path)
    printed = done.stdout
    for month in ("2026-01", "2026-12", "2027-06"):
        assert re.search(rf"^{month}\s+acts", printed, re.MULTILINE), f"no progress line for {month}"
    board = printed[printed.index("┏") : printed.index("┘")]
    for code, stage in (("STL", "Declined"), ("NKC", "Withdrawn"), ("BIZ", "Completed")):
        assert re.search(rf"{code}\s+│\s+{stage}", board), f"{code} should be {stage}"
    assert "Experimenting" in board
    mail = tmp_path / "demo" / "mail"
    by_language = languages(mail)
    assert set(by_language) == {"en", "fr", "pt"} and min(by_language.values()) > 20
    subjects = " ".join(
        str(message_from_bytes(p.read_bytes(), policy=DEFAULT_POLICY)["Subject"]) for p in mail.glob("*.eml")
    )
    assert "Matola" in subjects and "sélectionnée" in subjects and "subvenção" in subjects
    report = (tmp_path / "demo" / "report.html").read_text(encoding="utf-8")
    assert "<svg" in report and report.count("<rect") > 50 and "Selection to start" in report
    for name in ("Bamako", "Matola", "Saint-Louis"):
        assert name in report
    assert "prefect server start" in printed and "http://127.0.0.1:4200" in printed


def test_the_same_seed_tells_the_same_story(tmp_path: Path) -> None:
    """Two runs with one seed leave the same messages (names carry reader and Message-ID) and the same board."""
    first, second = play(tmp_path / "a", "--months", "3"), play(tmp_path / "b", "--months", "3")
    names = [sorted(p.name for p in (tmp_path / run / "demo" / "mail").glob("*.eml")) for run in ("a", "b")]
    assert names[0] == names[1] and len(names[0]) > 50

    def board(out: str) -> str:
        return out[out.index("┏") : out.index("┘")]

    assert board(first.stdout) == board(second.stdout)
