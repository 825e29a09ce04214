"""The secretariat's week: the digest on Monday morning, the bulletin for the whole network."""

from __future__ import annotations

from prefect import flow

from flows.tasks import bulletin_task, deliver_task, digest_task, moment


@flow(name="weekly-digest")
def weekly_digest(at: str | None = None) -> dict[str, int]:
    """Queue the week's digest for the secretariat, then send it."""
    when = moment(at).isoformat()
    return {"queued": digest_task(when), **deliver_task(when)}


@flow(name="network-bulletin")
def network_bulletin(at: str | None = None) -> dict[str, int]:
    """Queue the same bulletin for everyone in the network, then send it."""
    when = moment(at).isoformat()
    return {"queued": bulletin_task(when), **deliver_task(when)}
