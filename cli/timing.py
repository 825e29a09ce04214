"""`jalon sweep`, `deadlines`, `extend` and `calendar`: the time side of the journey, from a terminal."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cli.common import At, By, JsonFlag, clock, emit, guarded, now, out, sessions


@guarded
def sweep(at: At = None, as_json: JsonFlag = False) -> None:
    """Fire every reminder and escalation due now (or --at); run it as often as you like."""
    from engine.deadlines.sweep import sweep as run_sweep
    from engine.deadlines.timers import subject_label

    report = run_sweep(sessions(), clock(at))
    if as_json:
        emit(
            {
                "at": report.at,
                "fired": [f.__dict__ for f in report.fired],
                "skipped": [k.__dict__ for k in report.skipped],
            }
        )
        return
    if not report.fired:
        out.print(f"Nothing due at {report.at.isoformat(timespec='minutes')}.")
    for f in report.fired:
        when = "before" if f.business_days < 0 else "after"
        lag = f"{abs(f.business_days)} business days {when}" if f.business_days else "on the day"
        told = ", ".join(f.recipients)
        how = " in the digest" if f.via == "digest" else ""
        out.print(f"{f.city}: {subject_label(f.subject)} due {f.due_on}, {lag}: told {f.audience}{how} ({told})")
    for k in report.skipped:
        stale = f"the stale {k.audience} rung of {k.fire_at.date()}"
        out.print(f"{k.city}: {subject_label(k.subject)}: skipped {stale} (caught up)")


@guarded
def deadlines(
    at: At = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only deadlines already passed.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Every open deadline, soonest first, with how late it is and the next reminder."""
    from rich.table import Table

    from engine.views.queries import deadlines as open_deadlines

    rows = open_deadlines(sessions(), clock(at), overdue=overdue)
    if as_json:
        emit([r.__dict__ for r in rows])
        return
    table = Table("city", "what", "due on", "late", "extended", "next reminder")
    for r in rows:
        late = "paused" if r.frozen else (f"{r.mark}: {r.late_by} business days" if r.late_by else "on time")
        nxt = f"{r.next_reminder:%Y-%m-%d %H:%M} UTC to {r.next_audience}" if r.next_reminder else "—"
        table.add_row(
            r.city, r.subject, r.due_on.isoformat(), late, f"+{r.extended_days}" if r.extended_days else "", nxt
        )
    out.print(table if rows else "No open deadline" + (" is overdue." if overdue else "."))


@guarded
def extend(
    city: str,
    days: Annotated[int, typer.Option("--days", help="Business days to add.")],
    reason: Annotated[str, typer.Option("--reason", help="Why: kept in the city's history.")],
    by: By,
) -> None:
    """Give a city more time on its current deadline (audited; the remaining reminders move too)."""
    from engine import act

    result = act(sessions(), city, "extend_deadline", by, at=now(), data={"days": str(days), "reason": reason})
    out.print(f"{result.city}: deadline extended by {days} business days, version {result.version}.")


@guarded
def calendar(
    city: Annotated[str | None, typer.Argument(help="A city code; the whole network if omitted.")] = None,
) -> None:
    """Print an iCalendar file of deadlines and reminders: `jalon calendar BKO > bko.ics`."""
    from engine.views.feeds import calendar as build

    sys.stdout.write(build(sessions(), city).decode("utf-8"))


def register(app: typer.Typer) -> None:
    """Add the time commands to the `jalon` app."""
    for command in (sweep, deadlines, extend, calendar):
        app.command()(command)
