"""`python -m cli` runs the same command as `jalon`."""

from cli.main import run

run()
