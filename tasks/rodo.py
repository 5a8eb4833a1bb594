"""Nightly RODO step: retention purge (mail bodies; everyone after the retention date) and audit entries; counts only."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from prefect import get_run_logger

from config.settings import get_settings
from synergia import runtime
from synergia.rodo.retention_service import apply_retention as run_retention
from tasks._prefect import synergia_task


@synergia_task(retries=1, retry_delay_seconds=30)
def apply_retention(project_path: str, certificates: dict | None = None, mail: dict | None = None) -> dict:  # noqa: ARG001
    """``certificates`` (that step's counts) puts automatic revocations in the audit log; ``mail`` orders this after mail."""
    project = runtime.project(project_path)
    settings = get_settings()
    today = datetime.now(ZoneInfo(project.timezone)).date()
    counts = run_retention(runtime.registry(settings), project, settings=settings, today=today,
                           revoked=int((certificates or {}).get("revoked", 0) or 0))
    get_run_logger().info("Retencja: usunięto treść %d wiadomości, zanonimizowano %d osób, usunięto plików %d.",
                          counts.get("mail_bodies_purged", 0), counts.get("persons_anonymised", 0),
                          counts.get("files_deleted", 0))
    return counts
