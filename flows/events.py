"""Publishing the acts' events to Prefect right after they commit (outside any flow): best effort, never blocking."""

from __future__ import annotations

from datetime import UTC, datetime

from engine import database
from engine.journey.events import publish_events
from flows.tasks import emit


def publish_now() -> int:
    """Hand the committed acts' events to Prefect's event bus now; the heartbeat publishes whatever this misses."""
    return publish_events(database.sessions(), emit, datetime.now(UTC))
