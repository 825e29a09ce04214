"""What the engine hands delivery: the mail channel on the settings, and the lifecycle's word and links for messages."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from engine.access.links import MessageLinks
from engine.access.tokens import installation
from engine.errors import InvalidData
from engine.lookups import aware
from models.settings import Settings
from notifications.channels import Channel, parse_address
from notifications.delivery import BATCH, LEASE, DeliveryReport
from notifications.delivery import deliver as send_due
from notifications.email import EmailChannel, SmtpSettings


def email_channel(settings: Settings | None = None) -> EmailChannel:
    """Email on the JALON_SMTP_* settings; a sender or login that cannot work is said before anything is claimed."""
    settings = settings or Settings()
    try:
        return EmailChannel(
            SmtpSettings(
                host=settings.smtp_host,
                port=settings.smtp_port,
                security=settings.smtp_security,
                user=settings.smtp_user,
                password=settings.smtp_password,
                timeout=settings.smtp_timeout,
                sender=parse_address(settings.mail_from),
            )
        )
    except ValueError as exc:
        raise InvalidData(f"Mail settings: {exc}") from None


def deliver(
    sessions: sessionmaker[Session], at: datetime, channel: Channel, *, batch: int = BATCH, lease: timedelta = LEASE
) -> DeliveryReport:
    """Send what is due, each message saying what it asks, with links to do it when JALON_SECRET_KEY is set."""
    links = MessageLinks(installation())
    return send_due(sessions, aware(at), channel, links=links, batch=batch, lease=lease)
