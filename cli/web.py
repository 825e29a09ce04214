"""`jalon web`: the pages, served by uvicorn on 127.0.0.1:8000 by default."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from cli.common import guarded, out


@guarded
def web(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the board, city pages and approvals (sign-in links go out by email through JALON_SMTP_*)."""
    import secrets

    import uvicorn

    from engine import database
    from engine.access.tokens import Signer
    from engine.outgoing import deliver, email_channel
    from models.settings import Settings
    from web.app import create_app

    settings = Settings()
    if settings.secret_key is None:
        secret = secrets.token_urlsafe(48)
        out.print("note: JALON_SECRET_KEY is not set; links and sessions last only until this process stops.")
    else:
        secret = settings.secret_key.get_secret_value()
    sessions = database.sessions()
    channel = email_channel(settings)
    app = create_app(
        sessions, Signer(secret), settings.public_url.rstrip("/"), lambda: deliver(sessions, datetime.now(UTC), channel)
    )
    out.print(f"Jalon on http://{host}:{port}/ (Ctrl-C to stop).")
    uvicorn.run(app, host=host, port=port, log_level="warning")
