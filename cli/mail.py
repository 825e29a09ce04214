"""`jalon deliver`, `mail-sink`, `digest`, `bulletin` and `outbox`: what is said, from a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import At, JsonFlag, clock, emit, fail, guarded, out, sessions


@guarded
def deliver(
    at: At = None,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Messages per SMTP connection.")] = 100,
    as_json: JsonFlag = False,
) -> None:
    """Send every message due (SMTP from JALON_SMTP_*; by default the local `jalon mail-sink`)."""
    from engine.outgoing import deliver as run
    from engine.outgoing import email_channel

    channel = email_channel()
    report = run(sessions(), clock(at), channel, batch=batch)
    if as_json:
        emit(
            {
                "at": report.at,
                "down": report.down,
                "lost": report.lost,
                "waiting": report.waiting,
                "messages": report.messages,
            }
        )
    else:
        for m in report.messages:
            out.print(f"{m.outcome:<6} {m.kind} to {m.to}: {m.answer}")
        out.print(
            f"Sent {report.count('sent')}, to retry {report.count('retry')}, failed {report.count('failed')}"
            + (f"; {report.waiting} wait for the mail server." if report.down else "")
            + (f"; {report.waiting} wait for the database." if report.lost else "")
            + ("." if not (report.down or report.lost) else "")
        )
    if report.lost:
        fail(f"The database connection was lost mid-run ({report.lost}); nothing failed for it: run deliver again.", 1)
    if report.down:
        fail(f"The mail server at {channel.settings.shown()} cannot be reached ({report.down}).", 1)


@guarded
def mail_sink(
    folder: Annotated[Path, typer.Option("--dir", help="Where each message is kept as an .eml file.")] = Path(
        "var/mail"
    ),
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8025,
) -> None:
    """A real SMTP server on 127.0.0.1 that keeps every message it receives as a file; Ctrl-C stops it."""
    import threading

    from notifications.sink import start

    try:
        sink = start(folder, port=port)
    except OSError as exc:
        fail(f"Cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}.", 2)
    out.print(f"Mail sink on 127.0.0.1:{port}, keeping messages in {folder}/ (Ctrl-C to stop).")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sink.stop()


@guarded
def digest(at: At = None) -> None:
    """Queue this week's digest for the secretariat (once per week; `jalon deliver` sends it)."""
    from engine.views.digest import weekly_digest

    count = weekly_digest(sessions(), clock(at))
    out.print(f"Weekly digest queued for {count} reader(s)." if count else "This week's digest was already queued.")


@guarded
def bulletin(at: At = None) -> None:
    """Queue the network bulletin for everyone (once per week; `jalon deliver` sends it)."""
    from engine.views.digest import network_bulletin

    count = network_bulletin(sessions(), clock(at))
    out.print(f"Bulletin queued for {count} reader(s)." if count else "This week's bulletin was already queued.")


@guarded
def outbox(
    state: Annotated[str | None, typer.Option("--state", help="pending, sending, sent or failed.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The messages Jalon holds, newest first: what is waiting, what went, what failed and why."""
    from rich.table import Table

    from engine.views.queries import outbox as rows_of

    rows = rows_of(sessions(), state)
    if as_json:
        emit(rows)
        return
    table = Table("kind", "to", "state", "tries", "when", "answer")
    for r in rows:
        table.add_row(r.kind, r.to, r.state, str(r.attempts), f"{r.when:%Y-%m-%d %H:%M}", r.answer)
    out.print(table if rows else "The outbox is empty.")


def register(app: typer.Typer) -> None:
    """Add the message commands to the `jalon` app."""
    for command in (deliver, digest, bulletin, outbox):
        app.command()(command)
    app.command("mail-sink")(mail_sink)
