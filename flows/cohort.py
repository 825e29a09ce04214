"""The secretariat starts a cohort: the programme, its cities and people in; selection notices out."""

from __future__ import annotations

from prefect import flow

from flows.tasks import deliver_task, import_task, load_task, moment, publish_task


@flow(name="onboard-cohort")
def onboard_cohort(
    cities_csv: str, people_csv: str, programme_file: str | None = None, at: str | None = None
) -> dict[str, object]:
    """Load (if given) the programme, import the cohort (first deadlines set), and send the selection notices."""
    when = moment(at).isoformat()
    loaded = load_task(programme_file, when) if programme_file else None
    imported = import_task(cities_csv, people_csv, when)
    publish_task(when)
    return {"programme": loaded, **imported, **deliver_task(when)}
