"""Settings read from the environment (prefix ``IMPROVE_``), cached once per process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the register lives and how it behaves."""

    model_config = SettingsConfigDict(env_prefix="IMPROVE_", extra="ignore")

    home: Path = Field(
        default=Path("~/.improve"),
        description="Data directory: the embedded SQLite store, reports and Prefect's home.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store; default is SQLite at HOME/improve.db.",
    )

    prefect_api_url: str = Field(
        default="http://127.0.0.1:4200/api",
        description="Prefect API the lifecycle commands talk to (PREFECT_API_URL wins if set).",
    )
    prefect_ui_url: str | None = Field(
        default=None,
        description="Prefect UI base URL for links in notifications; default: the API host.",
    )
    poll_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How often `improve serve` looks for runs to start or resume.",
    )
    gate_overdue_days: float = Field(
        default=5.0,
        gt=0,
        description="A gate waiting longer than this is reported by the gate watchdog.",
    )

    smtp_host: str | None = Field(
        default=None, description="SMTP server for reports; unset: no e-mail."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP port.")
    smtp_starttls: bool = Field(
        default=True, description="Upgrade the SMTP connection with STARTTLS."
    )
    smtp_user: str | None = Field(default=None, description="SMTP login, if the server needs one.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password; never shown.")
    smtp_from: str = Field(default="continual-improvement@localhost", description="Sender address.")
    webhook_url: str | None = Field(
        default=None, description="Slack/Teams-style incoming webhook for report summaries."
    )
    delivery_attempts: int = Field(default=3, ge=1, le=10, description="Tries per delivery.")

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser()

    @property
    def store_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{self.home_dir / 'improve.db'}"

    @property
    def ui_url(self) -> str:
        return (self.prefect_ui_url or self.prefect_api_url.removesuffix("/api")).rstrip("/")


def normalise_database_url(url: str) -> str:
    """Point bare ``postgresql://`` URLs at psycopg 3, the driver we ship (not psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
