"""Every setting Jalon reads from the environment, in one place (JALON_*)."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Defaults are what a newcomer needs: a SQLite file in the working folder."""

    model_config = SettingsConfigDict(env_prefix="JALON_", extra="ignore")

    database_url: SecretStr = SecretStr("sqlite:///jalon.db")  # may carry a password: never printed whole
