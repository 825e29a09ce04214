"""A fast `jalon`: its help, a group's help and the commands that need no database import nothing heavy."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# What only a command that reaches the database (or Prefect, or a template) may load.
HEAVY = {"sqlalchemy", "prefect", "engine", "models", "flows", "notifications", "web", "jinja2", "babel"}


def started(*args: str) -> tuple[str, set[str]]:
    """Run `python -X importtime -m cli ARGS` in a fresh process: its stdout and the top packages it imported."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    imported = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in run.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "typer" in imported  # the parse reads importtime's lines, not nothing
    return run.stdout, imported


def test_help_lists_the_commands_and_imports_nothing_heavy() -> None:
    text, imported = started("--help")
    for command in ("act", "status", "programme", "people", "cities", "diagram", "sweep", "deliver", "demo", "web"):
        assert f" {command} " in text
    assert "Pull a trigger on a city" in text
    assert not imported & HEAVY, sorted(imported & HEAVY)
    assert not imported & {"states", "transitions"}


@pytest.mark.parametrize(
    ("group", "command", "line"),
    [
        ("programme", "load", "Load a programme file"),
        ("people", "import", "Import people"),
        ("cities", "import", "Import cities"),
    ],
)
def test_a_groups_help_lists_its_commands_and_imports_nothing_heavy(group: str, command: str, line: str) -> None:
    text, imported = started(group, "--help")
    assert f" {command} " in text
    assert line in text
    assert not imported & HEAVY, sorted(imported & HEAVY)


def test_a_commands_help_imports_nothing_heavy() -> None:
    text, imported = started("act", "--help")
    assert "--by" in text
    assert not imported & HEAVY, sorted(imported & HEAVY)


def test_diagram_needs_the_states_only() -> None:
    text, imported = started("diagram")
    assert text.startswith("stateDiagram-v2")
    assert "states" in imported
    assert not imported & HEAVY, sorted(imported & HEAVY)
