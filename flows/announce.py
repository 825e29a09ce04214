"""After an act commits, tell Prefect at once when an API is configured; best effort, and cheap when it is not.

Kept free of prefect at import (the `jalon` command and the web import it): prefect is loaded only once the API
answered, so an unreachable API costs half a second, not Prefect's own retries at exit.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit


def announce() -> str | None:
    """Publish the committed acts' events now; a sentence to show if that could not be done (None if done or moot)."""
    api = os.environ.get("PREFECT_API_URL")
    if not api:
        return None
    where = urlsplit(api)
    try:
        socket.create_connection((where.hostname or "127.0.0.1", where.port or 4200), timeout=0.5).close()
        from flows.events import publish_now

        publish_now()
    except Exception as exc:  # an event bus that is down must never look like a failed act
        return f"Prefect is not reachable; the event will go with the next heartbeat ({type(exc).__name__})."
    return None
