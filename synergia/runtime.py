"""The one place where Settings (``config/settings.py``) become adapters.

Tasks, steps and the CLI ask here for the project config, the registry (its
engine and busy timeout), the spreadsheet backend, certificate storage, the
mail transport and the Google clients; the adapters themselves take their
settings as arguments and never read the environment.

A ``block:<name>`` Google key is read from a Prefect Secret block, but this
package never imports prefect: the layers that do (``tasks/``, ``cli/``)
install the reader with :func:`use_secret_reader`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from config.project import ProjectConfig, load_project
from config.settings import Settings, get_settings
from synergia.registry.db import Registry

if TYPE_CHECKING:
    from synergia.google.client import GoogleClients
    from synergia.mail.transports import Transport
    from synergia.sheets.base import SpreadsheetBackend
    from synergia.storage.base import Storage

#: Reads a named secret (a Prefect Secret block); installed by tasks/ and cli/.
SecretReader = Callable[[str], Any]
_secret_reader: list[SecretReader] = []


def use_secret_reader(reader: SecretReader) -> None:
    """``block:<name>`` settings are read with ``reader`` from now on."""
    _secret_reader[:] = [reader]


def settings() -> Settings:
    """The settings of this process (environment, ``.env``)."""
    return get_settings()


@lru_cache(maxsize=32)
def _project(path: str, mtime: float) -> ProjectConfig:
    return load_project(path)


def project(path: str | Path) -> ProjectConfig:
    """Load (and cache while unchanged) a project file."""
    p = Path(path).resolve()
    return _project(str(p), p.stat().st_mtime if p.exists() else 0.0)


@lru_cache(maxsize=8)
def _registry(url: str, busy_timeout: float) -> Registry:
    return Registry(url, auto_migrate=False, busy_timeout_s=busy_timeout)


def registry(settings: Settings | None = None, *, migrate: bool = False) -> Registry:
    """The registry of the configured database; ``migrate=True`` upgrades the schema first."""
    settings = settings or get_settings()
    url = settings.resolved_database_url
    if migrate:
        from synergia.registry.db import migrate as run_migrations

        run_migrations(url)  # the engine creates a SQLite file's folder itself
    return _registry(url, settings.database_busy_timeout)


def google_clients(settings: Settings | None = None) -> GoogleClients:
    """Sheets/Drive clients from ``SYNERGIA_GOOGLE_CREDENTIALS`` (a key file or ``block:<name>``)."""
    from synergia.google.client import load_service_account_info, make_clients
    from synergia.google.retry import RetryPolicy

    settings = settings or get_settings()
    info = load_service_account_info(settings.google_credentials, read_secret=_secret_reader[0] if _secret_reader else None)
    policy = RetryPolicy(max_attempts=settings.google_retry_attempts, max_total=settings.google_retry_max_total)
    return make_clients(info, api_url=settings.google_api_url, timeout=settings.google_timeout, policy=policy)


_GSPREAD: dict[tuple, Any] = {}
_GSPREAD_LOCK = threading.Lock()


def _gspread(settings: Settings) -> Any:
    """One gspread client (and access token) per credentials/endpoint in a process."""
    key = (
        settings.google_credentials,
        settings.google_api_url,
        settings.google_timeout,
        settings.google_retry_attempts,
        settings.google_retry_max_total,
    )
    with _GSPREAD_LOCK:
        if key not in _GSPREAD:
            _GSPREAD[key] = google_clients(settings).gspread()
        return _GSPREAD[key]


def google_sheets(settings: Settings | None = None) -> SpreadsheetBackend:
    """The Google Sheets backend (one gspread client per credentials and endpoint)."""
    from synergia.sheets.gsheets import GoogleSheetsBackend

    settings = settings or get_settings()
    return GoogleSheetsBackend(_gspread(settings), cache_key=settings.google_api_url or "google")


def sheets_backend(project: ProjectConfig, settings: Settings | None = None) -> SpreadsheetBackend:
    """The project's own choice of spreadsheet backend if it names one, else ``SYNERGIA_SHEETS_BACKEND``."""
    settings = settings or get_settings()
    kind = project.spreadsheet.backend or settings.sheets_backend
    if kind == "gsheets":
        return google_sheets(settings)
    from synergia.sheets.workbook import WorkbookBackend

    return WorkbookBackend(settings.resolved_data_dir)


def google_drive(settings: Settings | None = None) -> Storage:
    """Certificates in the Google Drive folder ``SYNERGIA_GDRIVE_FOLDER_ID``."""
    from synergia.storage.gdrive import GoogleDriveStorage, StorageError

    settings = settings or get_settings()
    if not settings.gdrive_folder_id:
        raise StorageError("Brak SYNERGIA_GDRIVE_FOLDER_ID (no Google Drive folder configured).")
    return GoogleDriveStorage(google_clients(settings).drive(), settings.gdrive_folder_id)


def storage(settings: Settings | None = None) -> Storage:
    """Certificate storage chosen by ``SYNERGIA_STORAGE_BACKEND`` (local folder unless told otherwise)."""
    settings = settings or get_settings()
    if settings.storage_backend == "gdrive":
        return google_drive(settings)
    from synergia.storage.local import LocalStorage

    return LocalStorage(settings.certificates_dir)


def mail_transport(settings: Settings | None = None) -> Transport:
    """The transport chosen by ``SYNERGIA_MAIL_BACKEND`` (``.eml`` outbox unless told otherwise)."""
    from synergia.mail.transports import OutboxTransport, SmtpTransport

    settings = settings or get_settings()
    if settings.mail_backend == "smtp":
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return SmtpTransport(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.mail_from,
            user=settings.smtp_user,
            password=password,
            security=settings.smtp_security,
            timeout=settings.smtp_timeout,
        )
    return OutboxTransport(settings.outbox_dir)


def quiet_log() -> logging.Logger:
    """A logger that prints nothing (the CLI prints its own tables)."""
    log = logging.getLogger("synergia.steps")
    if not log.handlers:
        log.addHandler(logging.NullHandler())
        log.propagate = False
    return log


@dataclass
class Context:
    """What a step (``synergia.steps``) works with: the project, its settings and the adapters built from them.

    Adapters are built on first use, so a step pays only for what it touches.
    ``log`` is the task's Prefect run logger in a flow, a silent one elsewhere."""

    project: ProjectConfig
    settings: Settings
    log: logging.Logger | logging.LoggerAdapter = field(default_factory=quiet_log)

    @cached_property
    def registry(self) -> Registry:
        return registry(self.settings)

    @cached_property
    def sheets(self) -> SpreadsheetBackend:
        return sheets_backend(self.project, self.settings)

    @cached_property
    def storage(self) -> Storage:
        return storage(self.settings)

    @cached_property
    def transport(self) -> Transport:
        return mail_transport(self.settings)


def context(
    project_path: str | Path | ProjectConfig,
    *,
    log: logging.Logger | logging.LoggerAdapter | None = None,
    settings: Settings | None = None,
    migrate: bool = False,
) -> Context:
    """The context of one step of a project (a project file path, or its loaded config)."""
    cfg = project_path if isinstance(project_path, ProjectConfig) else project(project_path)
    ctx = Context(cfg, settings or get_settings(), **({"log": log} if log is not None else {}))
    if migrate:
        ctx.registry = registry(ctx.settings, migrate=True)
    return ctx


def reset() -> None:
    """Forget cached registries/projects (tests switch databases)."""
    _registry.cache_clear()
    _project.cache_clear()
