"""Runtime settings from the environment (prefix ``SYNERGIA_``).

Defaults run everything offline: data under ``var/``, SQLite registry, local
workbook instead of Google Sheets, ``.eml`` outbox instead of SMTP, local folder
instead of Google Drive. Production flips these by environment variables or a
``.env`` file that is never committed. Secrets (SMTP password, Google key) are
read from the environment or from a Prefect Secret block named in the setting.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = Path(__file__).resolve().parent
PROJECTS_DIR = CONFIG_DIR / "projects"
TEMPLATES_DIR = CONFIG_DIR / "templates"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SYNERGIA_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where the registry, outbox, certificates and demo data live.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default: SQLite file in the data dir.")
    database_busy_timeout: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="Seconds a registry statement waits for another writer's lock (SQLite busy timeout, "
        "PostgreSQL lock_timeout) before the step fails with 'registry busy'.",
    )

    full_sync: bool = Field(
        default=False,
        description="Read and validate every source row even when nothing changed since the last sync "
        "(the nightly sync otherwise skips an unchanged workbook; synergia.registry.uptodate).",
    )

    sheets_backend: Literal["workbook", "gsheets"] = "workbook"
    google_credentials: str | None = Field(
        default=None, description="Path to a service-account JSON key, or 'block:<name>' of a Prefect Secret block."
    )
    google_api_url: str | None = Field(default=None, description="Base URL override for Sheets/Drive (a local emulator).")
    google_timeout: float = 30.0
    google_retry_attempts: int = Field(default=5, ge=1, description="Attempts per Google request (429/408/5xx).")
    google_retry_max_total: float = Field(default=60.0, gt=0, description="Seconds after which no retry starts.")

    storage_backend: Literal["local", "gdrive"] = "local"
    gdrive_folder_id: str | None = None

    mail_backend: Literal["outbox", "smtp"] = "outbox"
    mail_from: str = "synergia@example.org"
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["ssl", "starttls", "none"] = "starttls"
    smtp_timeout: float = 30.0

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir if self.data_dir.is_absolute() else (Path.cwd() / self.data_dir)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir / 'synergia.db'}"

    @property
    def outbox_dir(self) -> Path:
        return self.resolved_data_dir / "outbox"

    @property
    def certificates_dir(self) -> Path:
        return self.resolved_data_dir / "certificates"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    """Tests change the environment; forget the cached settings."""
    get_settings.cache_clear()
