"""Run by an automation when a committee approves a grant: finance hears within seconds, not at the next heartbeat.

The act's event reaches Prefect as soon as it commits (`jalon act` publishes it when a Prefect API is set);
the automation starts this run, which sends what waits, finance's message about the award included.
"""

from __future__ import annotations

from prefect import flow

from flows.tasks import deliver_task, moment, publish_task


@flow(name="tell-finance", log_prints=True)
def tell_finance(city: str, at: str | None = None) -> dict[str, int]:
    """Send what waits (the committee's decision, the advance tranche now eligible) for `city` and everyone else."""
    code = city.removeprefix("jalon.city.")  # the automation passes the event's resource id
    when = moment(at).isoformat()
    print(f"Grant approved for {code}: telling finance now")  # the run's log in Prefect (log_prints)
    publish_task(when)
    return deliver_task(when)
