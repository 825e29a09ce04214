"""Engine calls as Prefect tasks: ids and counts in, counts out; retries where the world can fail."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from prefect import task
from prefect.events import emit_event

from engine import database
from engine.deadlines.sweep import agenda, sweep
from engine.intake.importers import import_cities, import_people
from engine.journey.events import CityEvent, publish_events
from engine.outgoing import deliver, email_channel
from engine.views.digest import network_bulletin, weekly_digest


def moment(at: str | None) -> datetime:
    """A flow's `at` parameter (ISO 8601, UTC if no zone), or now: the clock stays explicit in every call."""
    if not at:
        return datetime.now(UTC)
    parsed = datetime.fromisoformat(at)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@task(retries=2, retry_delay_seconds=10)
def sweep_task(at: str) -> dict[str, int]:
    """Every rung due at `at` becomes outbox messages (exactly once, even if retried)."""
    report = sweep(database.sessions(), moment(at))
    return {"fired": len(report.fired), "skipped": len(report.skipped)}


@task
def agenda_task(start: str, end: str) -> list[tuple[str, str]]:
    """The moments before `end` when a rung falls due ("sweep") or a message may leave ("deliver")."""
    return [(when.isoformat(), what) for when, what in agenda(database.sessions(), moment(start), moment(end))]


@task(retries=3, retry_delay_seconds=30)
def deliver_task(at: str) -> dict[str, int]:
    """Send what is due; a mail server that is down is retried by the task, the messages wait in the outbox."""
    report = deliver(database.sessions(), moment(at), email_channel())
    if report.down or report.lost:  # Prefect retries; nothing was lost or counted against a message
        raise ConnectionError(report.down or report.lost)
    return {k: report.count(k) for k in ("sent", "retry", "failed")}


def emit(event: CityEvent) -> None:
    """One act's event to Prefect (queued, sent in the background; an unreachable API never raises here)."""
    emit_event(
        event=event.name,
        resource={
            "prefect.resource.id": f"jalon.city.{event.city}",
            "prefect.resource.name": event.city_name,
            "jalon.programme": str(event.payload.get("programme", "")),
        },
        occurred=event.occurred,
        payload=event.payload,
        id=uuid.uuid5(uuid.NAMESPACE_URL, f"jalon:{event.key}"),
    )


@task(retries=2, retry_delay_seconds=10)
def publish_task(at: str) -> int:
    """Every act's event, after its commit, to Prefect's event bus (automations listen there)."""
    return publish_events(database.sessions(), emit, moment(at))


@task(retries=2, retry_delay_seconds=10)
def digest_task(at: str) -> int:
    """The secretariat's weekly digest, queued once per week."""
    return weekly_digest(database.sessions(), moment(at))


@task(retries=2, retry_delay_seconds=10)
def bulletin_task(at: str) -> int:
    """The network bulletin, queued once per week for everyone."""
    return network_bulletin(database.sessions(), moment(at))


@task
def import_task(cities_csv: str, people_csv: str, at: str) -> dict[str, int]:
    """A cohort's cities and people: selection notices are queued by the import itself."""
    when = moment(at)
    added, _ = import_cities(database.sessions(), Path(cities_csv), at=when)
    people, _ = import_people(database.sessions(), Path(people_csv), at=when)
    return {"cities": added, "people": people}


@task
def load_task(programme_file: str, at: str) -> str:
    """The programme file (a changed one becomes its next version)."""
    from engine.intake.programme import load

    code, version, _ = load(database.sessions(), Path(programme_file), at=moment(at))
    return f"{code} v{version}"


@task
def reports_task(at: str) -> list[dict[str, object]]:
    """Every open report deadline, with how late it is: what the reporting cycle shows the secretariat."""
    from engine.views.queries import deadlines

    return [
        {"city": d.city, "report": d.subject, "due_on": d.due_on.isoformat(), "late_by": d.late_by, "mark": d.mark}
        for d in deadlines(database.sessions(), moment(at))
        if d.kind == "report"
    ]
