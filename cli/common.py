"""What every `jalon` command shares: the consoles, the clock, errors as sentences, JSON output."""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import Enum
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


def check_secret_key() -> None:
    """A JALON_SECRET_KEY too short to sign with is refused in one sentence, before anything is served."""
    from models.settings import Settings

    key = Settings().secret_key
    if key is not None and len(key.get_secret_value()) < 32:
        fail(
            f"JALON_SECRET_KEY is {len(key.get_secret_value())} characters long; use at least 32 random characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))' makes one).",
            2,
        )


def check_arguments(args: list[str]) -> None:
    """Arguments that are not UTF-8 (Python keeps their bytes as lone surrogates) are bad input, said as such."""
    for number, arg in enumerate(args, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "backslashreplace").decode("ascii", "replace")[:60]
            fail(f"Argument {number} ({shown}) is not UTF-8 text; type it again in a UTF-8 terminal.", 2)


def sessions() -> sessionmaker[Session]:
    """Sessions on JALON_DATABASE_URL (imported late: `jalon --help` stays fast)."""
    from engine.database import sessions as configured

    return configured()


def plain(value: object) -> object:
    """Plain JSON values: records (dataclasses, named tuples) as objects, datetimes and dates as ISO 8601,
    Decimals as exact text, enums as their value; what json does not know, as text."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Enum):
        return plain(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    as_dict = getattr(value, "_asdict", None)  # named tuples and SQLAlchemy rows
    if callable(as_dict):
        return {str(k): plain(v) for k, v in as_dict().items()}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)


def emit(data: Any) -> None:
    """JSON on stdout."""
    sys.stdout.write(json.dumps(plain(data), ensure_ascii=False, indent=2) + "\n")


def guarded(func: Callable[..., None]) -> Callable[..., None]:
    """Run a command inside friendly()."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> None:
        with friendly():
            func(*args, **kwargs)

    return run
