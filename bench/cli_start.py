"""Start-up time of the `jalon` command against a bare `python -c "import typer"`, in the same run.

Each measure is one cold subprocess start, timed from spawn to exit, output discarded: a bare
`python -c "import typer"` (the floor any Typer command stands on), `jalon --help` and
`jalon programme --help` (a group's help, which resolves its commands' parameters). The three are run
in turn, round after round, so a busy machine weighs on each alike. It prints the median and the
minimum of each, and the difference to bare typer. The aim: `jalon --help` within 0.15 s of it.

    .venv/bin/python bench/cli_start.py [--runs 10]

The commands run with this interpreter (the project's .venv when run as above), PYTHONDONTWRITEBYTECODE
as the environment has it, and the `jalon` script beside the interpreter (`python -m cli` if there is
none).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AIM = 0.15  # seconds over bare typer, for `jalon --help`


def jalon() -> list[str]:
    """The installed `jalon` script beside this interpreter, or `python -m cli`."""
    script = Path(sys.executable).parent / "jalon"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli"]


def once(command: list[str]) -> float:
    """Seconds from spawn to exit of one cold start (output discarded; a failure stops the bench)."""
    began = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=10, help="cold starts of each command (default 10)")
    runs = parser.parse_args().runs
    commands = {
        'python -c "import typer"': [sys.executable, "-c", "import typer"],
        "jalon --help": [*jalon(), "--help"],
        "jalon programme --help": [*jalon(), "programme", "--help"],
    }
    for command in commands.values():  # one unmeasured start each: the file cache warm for all alike
        once(command)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(once(command))

    base = statistics.median(times['python -c "import typer"'])
    print(f"Cold starts, {runs} each (seconds)")
    print(f"{'command':<28}{'median':>8}{'min':>8}{'vs typer':>10}")
    for name, seen in times.items():
        median = statistics.median(seen)
        diff = "" if median == base else f"{median - base:+.3f}"
        print(f"{name:<28}{median:>8.3f}{min(seen):>8.3f}{diff:>10}")
    over = statistics.median(times["jalon --help"]) - base
    verdict = "within" if over <= AIM else "OVER"
    print(f"jalon --help is {over:.3f} s over bare typer: {verdict} the aim of {AIM:.2f} s.")


if __name__ == "__main__":
    main()
