"""The reporting cycle: report reminders fired and sent, and where every city stands with its reports."""

from __future__ import annotations

from prefect import flow

from flows.tasks import deliver_task, moment, reports_task, sweep_task


@flow(name="reporting-cycle")
def reporting_cycle(at: str | None = None) -> dict[str, object]:
    """Sweep and send (report rungs included), then list every open report deadline with its lateness."""
    when = moment(at).isoformat()
    swept = sweep_task(when)
    sent = deliver_task(when)
    return {**swept, **sent, "reports": reports_task(when)}
