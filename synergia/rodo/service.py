"""Erasure end to end: one transaction, then files, owned tabs, the verification site, and compaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from synergia.rodo.erase import TOUCHED_TABLES, ErasureReport, Mode, compact, delete_files, enable_secure_delete, erase
from synergia.rodo.locate import holdings

if TYPE_CHECKING:
    from config.project import ProjectConfig
    from config.settings import Settings
    from synergia.registry.db import Registry
    from synergia.sheets.base import SpreadsheetBackend
    from synergia.storage.base import Storage


@dataclass
class ErasureResult:
    report: ErasureReport
    files: dict[str, int] = field(default_factory=dict)
    tabs: dict[str, str] = field(default_factory=dict)  # tab -> written | unchanged | failed:<ErrorType>
    site: str = ""
    compaction: str = ""


def plan(registry: Registry, project: ProjectConfig, person_id: int) -> tuple[dict[str, int], list[tuple[str, str, int]]]:
    """What an erasure would touch: counts and the source rows (no data)."""
    with registry.session() as session:
        h = holdings(session, project.slug, person_id)
        return h.counts(), h.source_rows()


def rewrite_owned_tabs(registry: Registry, project: ProjectConfig, backend: SpreadsheetBackend) -> dict[str, str]:
    """Rewrite the quarantine and review tabs from the registry (staff's pending answers kept)."""
    from synergia.dedupe.store import review_items
    from synergia.sheets.owned import QUARANTINE, REVIEW, read_current

    out: dict[str, str] = {}
    tabs = [QUARANTINE] + ([REVIEW] if project.dedupe.enabled else [])
    try:
        current = read_current(backend, project, tabs)
    except Exception as exc:
        return {t.name(project): f"failed:{type(exc).__name__}" for t in tabs}
    with registry.session() as session:
        wanted = {QUARANTINE: QUARANTINE.build(session, project.slug)}
        if project.dedupe.enabled:
            parsed = REVIEW.parse(current[REVIEW.key])
            wanted[REVIEW] = REVIEW.build(review_items(session, project.slug, parsed.pending_text))
    for tab, rows in wanted.items():
        try:
            written = tab.write_if_changed(backend, project, rows, current[tab.key])
            out[tab.name(project)] = "written" if written else "unchanged"
        except Exception as exc:
            out[tab.name(project)] = f"failed:{type(exc).__name__}"
    return out


def erase_person(
    registry: Registry,
    project: ProjectConfig,
    person_id: int,
    mode: Mode,
    *,
    settings: Settings,
    backend: SpreadsheetBackend,
    storage: Storage,
    operator: str,
    salt: bytes,
) -> ErasureResult:
    with registry.session() as session:
        enable_secure_delete(session)
        report = erase(session, project.slug, person_id, mode, salt=salt, outbox_dir=settings.outbox_dir, operator=operator)
    result = ErasureResult(report)
    result.files = delete_files(report.files, storage)
    report.files = []
    result.tabs = rewrite_owned_tabs(registry, project, backend) if backend is not None else {}
    if project.certificates is not None:
        from synergia.certificates.site import build_site_in, default_site_dir

        try:
            counts = build_site_in(registry, project, default_site_dir(settings, project.slug))
            result.site = f"written {counts.written}, removed {counts.removed}"
        except Exception as exc:
            result.site = f"failed:{type(exc).__name__}"
    result.compaction = compact(registry.engine, TOUCHED_TABLES)
    return result
