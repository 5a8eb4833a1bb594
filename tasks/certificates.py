"""Prefect task: certify a project (eligibility → register → PDFs → mails queued); counts only."""
from __future__ import annotations

from prefect import get_run_logger

from config.settings import get_settings
from synergia import runtime
from synergia.certificates.service import issue_certificates as run_certification
from tasks._prefect import synergia_task


# A retry is safe: numbers are handed out in one transaction, PDFs are
# re-rendered only where none was stored, and mails are keyed by number+revision.
@synergia_task(retries=1, retry_delay_seconds=30)
def issue_certificates(project_path: str) -> dict:
    """Issue/re-issue/revoke certificates of every training cycle and queue their e-mails."""
    project = runtime.project(project_path)
    logger = get_run_logger()
    if project.certificates is None:
        logger.info("Projekt nie wydaje zaświadczeń (no certificates section) — pomijam.")
        return {}
    settings = get_settings()
    counts = run_certification(runtime.registry(settings), project, runtime.storage(settings))
    logger.info(
        "Zaświadczenia: uprawnionych %d, poniżej progu %d, nowych %d, poprawionych %d, przywróconych %d, "
        "bez zmian %d, unieważnionych %d, bez imienia i nazwiska %d; zapisano PDF %d, e-maili w kolejce %d "
        "(w tym z opóźnieniem %d), czeka na adres e-mail %d.",
        counts.eligible, counts.not_eligible, counts.issued_new, counts.reissued, counts.reinstated, counts.unchanged,
        counts.revoked, counts.missing_name, counts.pdfs_stored, counts.mails_queued, counts.mails_late, counts.no_email,
    )
    if counts.revocations_held:
        logger.warning(
            "Wstrzymano unieważnienie %d zaświadczeń: zbyt wiele naraz (pusta lub błędna lista obecności?). "
            "Sprawdź listy; unieważniaj ręcznie: synergia certificates revoke.", counts.revocations_held)
    for problem in counts.layout_problems:
        logger.warning("Szablon zaświadczenia: %s — sprawdź `synergia certificates preview`.", problem)
    if settings.storage_backend == "local":
        logger.info("Pliki PDF zaświadczeń są w folderze %s", settings.certificates_dir)
    return counts.as_dict()


@synergia_task(retries=1, retry_delay_seconds=10)
def publish_verification_site(project_path: str, certification: dict | None = None) -> dict:  # noqa: ARG001
    """Rewrite the verification pages that changed (issue, re-issue, revocation, erasure); counts only.

    ``certification`` (the previous task's counts) only orders this after it in the flow.
    A retry is safe: unchanged pages are left alone and every write is atomic."""
    from synergia.certificates.site import SiteError, build_site_in, default_site_dir

    project = runtime.project(project_path)
    if project.certificates is None:
        return {}
    settings = get_settings()
    folder = default_site_dir(settings, project.slug)
    try:
        counts = build_site_in(runtime.registry(settings), project, folder)
    except SiteError as exc:  # a settings problem must not stop tonight's mail; the message names no person
        get_run_logger().warning("Strona weryfikacji nie została zbudowana: %s", exc)
        return {"error": "site_config"}
    except OSError as exc:  # the folder is not writable / disk full: the paths would show codes, so the type only
        get_run_logger().warning("Strona weryfikacji nie została zapisana w %s (%s) — sprawdź folder i miejsce na dysku.",
                                 folder, type(exc).__name__)
        return {"error": "site_write"}
    get_run_logger().info(
        "Strona weryfikacji: kodów %d, zapisano plików %d, bez zmian %d, usunięto %d → %s",
        counts.codes, counts.written, counts.unchanged, counts.removed, folder,
    )
    return counts.as_dict()
