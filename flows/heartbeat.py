"""The scheduled heartbeat: sweep, publish the acts' events, deliver; one flow run per pass."""

from __future__ import annotations

from prefect import flow

from flows.tasks import deliver_task, moment, publish_task, sweep_task


@flow(name="sweep-and-deliver")
def sweep_and_deliver(at: str | None = None) -> dict[str, int]:
    """One pass at `at` (now by default): reminders fired, events published, messages sent."""
    when = moment(at).isoformat()
    swept = sweep_task(when)
    published = publish_task(when)
    sent = deliver_task(when)
    return {**swept, "events": published, **sent}
