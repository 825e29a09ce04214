"""The `jalon` command: the secretariat's and coaches' door to the engine, from a terminal."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli import demo, mail, people, timing, web
from cli.common import (
    At,
    By,
    JsonFlag,
    check_arguments,
    check_secret_key,
    clock,
    emit,
    err,
    fail,
    friendly,
    guarded,
    now,
    out,
    sessions,
)

# Nothing heavy at import time (rich tables, states, the engine, SQLAlchemy, Prefect): `jalon --help` stays fast.
# Each command imports what it uses; tests/cli/test_start.py keeps it so.
if TYPE_CHECKING:
    from rich.table import Table

    from engine.views.queries import CityStatus

app = typer.Typer(
    help="Jalon: run a city network's grant and experimentation journey.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
programme_app = typer.Typer(help="The programme file (YAML).", no_args_is_help=True)
people_app = typer.Typer(help="People and their roles (CSV).", no_args_is_help=True)
cities_app = typer.Typer(help="Cities of the programme (CSV).", no_args_is_help=True)
app.add_typer(programme_app, name="programme")
app.add_typer(people_app, name="people")
app.add_typer(cities_app, name="cities")


# No markup: notes, names and reasons are people's text, printed as typed (a '[x]' stays '[x]').
@app.command()
@guarded
def init() -> None:
    """Create or upgrade the database to the newest schema."""
    from engine.database import init as upgrade

    out.print(f"Database ready: {upgrade()}")


@programme_app.command("load")
@guarded
def programme_load(file: Path) -> None:
    """Load a programme file; a changed file becomes the programme's next version."""
    from engine.intake.programme import load

    code, version, new = load(sessions(), file, at=now())
    out.print(f"Programme {code}: version {version} {'loaded' if new else 'unchanged'}.")


@people_app.command("import")
@guarded
def people_import(file: Path) -> None:
    """Import people (columns: email, name, language, roles); all or nothing."""
    from engine.intake.importers import import_people

    added, updated = import_people(sessions(), file, at=now())
    out.print(f"People: {added} added, {updated} updated.")


@cities_app.command("import")
@guarded
def cities_import(
    file: Path,
    programme: Annotated[str | None, typer.Option(help="Programme code, when several are loaded.")] = None,
) -> None:
    """Import cities (columns: code, name, country, timezone, languages); all or nothing."""
    from engine.intake.importers import import_cities

    added, updated = import_cities(sessions(), file, at=now(), programme=programme)
    out.print(f"Cities: {added} added (selected), {updated} updated.")


def parse_sets(values: list[str]) -> dict[str, str]:
    """--set KEY=VALUE pairs as a dict, or a bad-input exit."""
    data: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(f"--set expects KEY=VALUE, got '{item}'.", 2)
        data[key.strip()] = value
    return data


@app.command("act")
@guarded
def act_cmd(
    city: str,
    trigger: str,
    by: By,
    note: Annotated[str | None, typer.Option(help="A note kept in the city's history.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="A field the trigger needs: KEY=VALUE.")] = None,
    expect_version: Annotated[int | None, typer.Option(help="Refuse if the city moved past this version.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Pull a trigger on a city (see `jalon can CITY --by EMAIL` for what you may do)."""
    from engine import act
    from engine.journey.fields import parse_note

    data = parse_sets(set_ or [])
    note = parse_note(note)  # a 120 KB note or a terminal escape would otherwise reach the history and the emails
    result = act(sessions(), city, trigger, by, at=now(), note=note, data=data, expected_version=expect_version)
    if as_json:
        emit(result.__dict__)
        return
    moved = f"{result.from_state} → {result.to_state}" if result.from_state != result.to_state else result.to_state
    out.print(f"{result.city}: {trigger} done ({moved}), version {result.version}.")
    announce()


def announce() -> None:
    """With a Prefect API configured, the act's event goes out now (automations react at once); best effort."""
    from flows.announce import announce as publish

    problem = publish()
    if problem:
        err.print(f"note: {problem}")


@app.command()
@guarded
def can(city: str, by: By, as_json: JsonFlag = False) -> None:
    """What this person may do on this city now, and why not the rest."""
    from rich.table import Table

    from engine.views.queries import can as judge

    opts = judge(sessions(), city, by)
    allowed = [o for o in opts if o.allowed]
    refused = [o for o in opts if not o.allowed]
    if as_json:
        emit(
            {
                "allowed": [{"trigger": o.trigger, "label": o.label, "needs": list(o.needs)} for o in allowed],
                "refused": [{"trigger": o.trigger, "reason": o.reason} for o in refused],
            }
        )
        return
    table = Table("trigger", "what it does", "needs (? = optional)", title=f"{by} may now, on {city.upper()}")
    for o in allowed:
        table.add_row(o.trigger, o.label, ", ".join(o.needs) or "—")
    out.print(table if allowed else f"{by} may do nothing on {city.upper()} now.")
    blocked = [o for o in refused if o.possible_here]
    if blocked:
        why = Table("trigger", "why not", title="Possible at this stage, but not for you now")
        for o in blocked:
            why.add_row(o.trigger, o.reason)
        out.print(why)


@app.command()
@guarded
def status(at: At = None, as_json: JsonFlag = False) -> None:
    """One row per city: stage, since when, its deadline and how late it is (business days)."""
    from engine.views.queries import status as board

    rows = board(sessions(), clock(at))
    if as_json:
        emit([{"city": r.city, **{k: v for k, v in r.__dict__.items() if k != "city"}} for r in rows])
        return
    out.print(board_table(rows))


def board_table(rows: list[CityStatus], *, compact: bool = False) -> Table:
    """The board as a terminal table (compact: without names and coaches, for the demo's narrow last word)."""
    from rich.table import Table

    from states.lifecycle import PAUSED

    table = (
        Table("city", "stage", "since", "deadline", "late")
        if compact
        else Table("city", "name", "stage", "since", "deadline", "late", "coach")
    )
    for r in rows:
        deadline = r.deadline.isoformat() if r.deadline else "—"
        late = "—" if r.late_by is None else (f"{r.mark}: {r.late_by} business days" if r.late_by else "on time")
        late = f"{late} (clock frozen)" if r.state == PAUSED else late
        since = r.since.date().isoformat()
        if compact:
            table.add_row(r.city, r.label, since, deadline, late)
        else:
            table.add_row(r.city, r.name, r.label, since, deadline, late, r.coach or "—")
    return table


@app.command()
@guarded
def history(city: str, as_json: JsonFlag = False) -> None:
    """A city's audit trail, oldest first."""
    from rich.table import Table

    from engine.views.queries import history as trail

    entries = trail(sessions(), city)
    if as_json:
        emit(
            [
                {
                    "seq": e.seq,
                    "at": e.at.isoformat(),
                    "by": e.by,
                    "trigger": e.trigger,
                    "from": e.from_state,
                    "to": e.to_state,
                    "note": e.note,
                    "data": e.data,
                }
                for e in entries
            ]
        )
        return
    table = Table("#", "at (UTC)", "by", "trigger", "from → to", "details")
    for e in entries:
        moved = e.to_state if e.from_state == e.to_state else f"{e.from_state or '∅'} → {e.to_state}"
        details = "; ".join([*(f"{k}={v}" for k, v in e.data.items()), *([e.note] if e.note else [])])
        table.add_row(str(e.seq), e.at.strftime("%Y-%m-%d %H:%M"), e.by, e.trigger, moved, details)
    out.print(table)


@app.command()
@guarded
def verify(as_json: JsonFlag = False) -> None:
    """Check the audit trail: hash chain intact, and replaying it lands every city where it is."""
    from engine.journey.audit import replay
    from engine.journey.audit import verify as chain

    with sessions()() as s:
        findings = [str(f) for f in chain(s) + replay(s)]
    if as_json:
        emit({"ok": not findings, "findings": findings})
    else:
        out.print("\n".join(findings) if findings else "Audit trail intact; replay matches every city.")
    if findings:
        raise typer.Exit(1)


@app.command()
def diagram(
    lifecycle: Annotated[str, typer.Option(help="city, report or tranche.")] = "city",
) -> None:
    """Print a lifecycle as a Mermaid state diagram."""
    from states import CITY_JOURNEY, REPORT_LIFECYCLE, TRANCHE_LIFECYCLE
    from states.diagram import mermaid

    known = {"city": CITY_JOURNEY, "report": REPORT_LIFECYCLE, "tranche": TRANCHE_LIFECYCLE}
    if lifecycle not in known:
        fail(f"'{lifecycle}' is not a lifecycle; choose city, report or tranche.", 2)
    sys.stdout.write(mermaid(known[lifecycle]))


def checked_web(serve: Callable[..., None]) -> Callable[..., None]:
    """`jalon web`, refusing a JALON_SECRET_KEY too short to sign with before it starts (one sentence, exit 2)."""

    @functools.wraps(serve)
    def run(*args: Any, **kwargs: Any) -> None:
        with friendly():
            check_secret_key()
        serve(*args, **kwargs)

    return run


timing.register(app)
people.register(people_app)
mail.register(app)
app.command()(demo.demo)
app.command()(checked_web(web.web))


def run() -> None:
    """Entry point of the `jalon` script."""
    try:
        check_arguments(sys.argv[1:])
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    app()
