"""Retention end to end (the nightly task and ``synergia retention run`` call this): counts only."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from synergia.rodo import audit
from synergia.rodo.erase import TOUCHED_TABLES, compact, delete_files, enable_secure_delete
from synergia.rodo.retention import run
from synergia.rodo.salt import salt_from_settings

if TYPE_CHECKING:
    from config.project import ProjectConfig
    from config.settings import Settings
    from synergia.registry.db import Registry
    from synergia.storage.base import Storage


def apply_retention(
    registry: Registry,
    project: ProjectConfig,
    *,
    settings: Settings,
    today: date,
    operator: str = "nightly",
    storage: Storage | None = None,
    revoked: int = 0,
) -> dict:
    """Mail bodies past ``mail_body_days``; after the retention date everyone anonymised and PDFs deleted.
    Also records consent-version changes and automatic revocations (``revoked``) in the audit log."""
    with registry.session() as session:
        audit.record_consent_versions(session, project)
        if revoked:
            audit.record(session, project.slug, "revocation", operator=operator, details={"automatic": revoked})
        enable_secure_delete(session)
        counts = run(session, project, today=today, salt=salt_from_settings(settings), outbox_dir=settings.outbox_dir, operator=operator)
    out = counts.as_dict()
    files = counts.files or []
    if files:
        if storage is None:
            from synergia import runtime

            storage = runtime.storage(settings)
        out.update(delete_files(files, storage))
    if counts.persons_anonymised or counts.mail_bodies_purged:
        compact(registry.engine, TOUCHED_TABLES)
        if counts.persons_anonymised and project.certificates is not None:
            from synergia.certificates.site import build_site_in, default_site_dir

            build_site_in(registry, project, default_site_dir(settings, project.slug))
    out.pop("files_to_delete", None)
    return out
