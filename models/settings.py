"""Every setting Jalon reads from the environment, in one place (JALON_*)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Defaults are what a newcomer needs: a SQLite file in the working folder, mail to `jalon mail-sink`."""

    model_config = SettingsConfigDict(env_prefix="JALON_", extra="ignore")

    database_url: SecretStr = SecretStr("sqlite:///jalon.db")  # may carry a password: never printed whole
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(8025, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout: float = Field(20.0, gt=0)
    mail_from: str = "Jalon <jalon@jalon.localhost>"
    # Signs sign-in, session and approval links; set one per installation (32+ characters) and keep it secret.
    secret_key: SecretStr | None = None
    public_url: str = "http://127.0.0.1:8000"  # where the links in messages point (`jalon web`)
