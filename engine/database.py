"""The database the settings name, opened once per process for whoever asks (CLI, flows, web)."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine, make_sessions, upgrade
from models.settings import Settings


@cache
def engine() -> Engine:
    """One engine (and pool) per process, on JALON_DATABASE_URL."""
    return make_engine(Settings().database_url.get_secret_value())


def sessions() -> sessionmaker[Session]:
    """Sessions on the configured database."""
    return make_sessions(engine())


def init() -> str:
    """Upgrade the configured database to the newest schema; returns its URL with the password hidden."""
    upgrade(engine())
    return shown_url()


def shown_url() -> str:
    """The configured URL, safe to print."""
    return make_url(Settings().database_url.get_secret_value()).render_as_string(hide_password=True)
