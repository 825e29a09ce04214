"""`jalon people take` and `jalon people remove`: access taken away, audited, effective at once."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import By, guarded, now, out, sessions

Reason = Annotated[str, typer.Option("--reason", help="Why, for the access trail.")]


@guarded
def take(
    email: Annotated[str, typer.Argument(help="The person's email.")],
    role: Annotated[str, typer.Argument(help="The role to take: coach@BKO, city_lead@KGL, secretariat...")],
    by: By,
    reason: Reason,
) -> None:
    """Take one role from a person; their sessions and links stop working at once."""
    from engine.access.grants import take_role

    out.print(take_role(sessions(), email, role, by=by, reason=reason, at=now()))


@guarded
def remove(email: Annotated[str, typer.Argument(help="The person's email.")], by: By, reason: Reason) -> None:
    """A person leaves the network: every role taken, no acts, no messages, every session and link withdrawn."""
    from engine.access.grants import remove as remove_person

    out.print(remove_person(sessions(), email, by=by, reason=reason, at=now()))


def register(people_app: typer.Typer) -> None:
    """Add the commands to `jalon people`."""
    people_app.command("take")(take)
    people_app.command("remove")(remove)
