"""What every `jalon` command shares: the consoles, the clock, errors as sentences, JSON output."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

out = Console(highlight=False, markup=False)
err = Console(stderr=True, highlight=False, markup=False)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
By = Annotated[str, typer.Option("--by", help="Email of the person acting.")]


def now() -> datetime:
    """The CLI's clock: the real one (engine functions take it explicitly)."""
    return datetime.now(UTC)


def clock(at: str | None) -> datetime:
    """--at as an aware datetime (UTC when no zone is given), or now; bad text is bad input."""
    if at is None:
        return now()
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        fail(f"--at expects an ISO date and time, such as 2026-03-02T09:00+01:00, not '{at}'.", 2)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


At = Annotated[str | None, typer.Option("--at", help="The moment to use instead of now (ISO 8601).")]


def fail(message: str, code: int) -> NoReturn:
    """A clear sentence on stderr and an exit code; never a traceback."""
    err.print(Text("error:", style="red"), Text(message), soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def friendly() -> Iterator[None]:
    """Turn every known failure into a sentence and an exit code (2 bad input, 1 refused)."""
    from sqlalchemy.exc import DBAPIError

    from engine.database import shown_url
    from engine.errors import JalonError

    try:
        yield
    except JalonError as exc:
        fail(str(exc), exc.exit_code)
    except DBAPIError as exc:  # only the driver's first line: never the SQL and its parameters
        text = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
        if "no such table" in text or type(exc.orig).__name__ == "UndefinedTable":
            fail("The database has no Jalon tables yet; run `jalon init` first.", 2)
        fail(f"The database at {shown_url()} could not be used: {text}", 2)
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:
        if os.environ.get("JALON_DEBUG"):
            raise
        fail(f"unexpected {type(exc).__name__}: {exc} (set JALON_DEBUG=1 to see where)", 70)


def sessions() -> sessionmaker[Session]:
    """Sessions on JALON_DATABASE_URL (imported late: `jalon --help` stays fast)."""
    from engine.database import sessions as configured

    return configured()


def _plain(value: object) -> str:
    """JSON for what json does not know: datetimes and dates as ISO 8601, Decimals as exact text."""
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)


def emit(data: Any) -> None:
    """JSON on stdout."""
    sys.stdout.write(json.dumps(data, default=_plain, ensure_ascii=False, indent=2) + "\n")


def guarded(func: Callable[..., None]) -> Callable[..., None]:
    """Run a command inside friendly()."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> None:
        with friendly():
            func(*args, **kwargs)

    return run
