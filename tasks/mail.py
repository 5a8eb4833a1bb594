"""Prefect task: send the project's due mail through the configured transport (counts only)."""
from __future__ import annotations

from prefect import get_run_logger

from config.settings import get_settings
from synergia import runtime
from synergia.mail.deliveries import send_pending
from tasks._prefect import synergia_task


# Retrying the whole run is safe: the register skips sent rows, and a row a
# failed attempt left in "sending" is sent at most once more (same Message-ID).
# SMTP-level retries and deferrals happen inside send_pending.
@synergia_task(retries=1, retry_delay_seconds=60)
def send_mail(project_path: str) -> dict:
    """Send pending/deferred deliveries within today's cap; returns counts and a failure code at most."""
    project = runtime.project(project_path)
    settings = get_settings()
    transport = runtime.mail_transport(settings)
    report = send_pending(
        runtime.registry(settings), transport, project=project.slug, mail_cfg=project.mail,
        sender=settings.mail_from, timezone_name=project.timezone,
    )
    logger = get_run_logger()
    if report.locked:
        logger.warning("Wysyłka pominięta: inny proces wysyła już pocztę tego projektu (another sender is running).")
    else:
        logger.info(
            "Poczta (%s): wysłano %d, błędy stałe %d, odłożono %d, ponowiono po awarii %d, czeka %d, zostało w limicie dnia %d.",
            transport.name, report.sent, report.failed, report.deferred, report.recovered, report.still_pending,
            report.cap_remaining,
        )
        if report.stopped:
            logger.warning("Serwer poczty niedostępny (%s); reszta wiadomości pójdzie w następnym przebiegu.", report.stopped)
    if transport.name == "outbox":
        logger.info("Wiadomości zapisano w folderze %s", settings.outbox_dir)
    return report.as_dict()
