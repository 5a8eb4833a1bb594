"""Nightly dedupe step: staff answers in, persons merged, review tab out.

Thin wrapper: reads the review tab (or takes its current values
from the sync snapshot), lets ``synergia.dedupe.store`` do the work in one
transaction, rewrites the tab only when it changed. Returns counts only.
"""
from __future__ import annotations

from prefect import get_run_logger

from synergia import runtime
from synergia.dedupe.compare import Thresholds
from synergia.dedupe.store import review_items, run_dedupe
from synergia.sheets import backend_for
from synergia.sheets.base import PERMANENT_ERRORS
from synergia.sheets.owned import REVIEW
from tasks._prefect import retry_unless, synergia_task


@synergia_task(retries=1, retry_delay_seconds=[10], retry_condition_fn=retry_unless(*PERMANENT_ERRORS))
def cluster_participants(project_path: str, review_current: list[list[str]] | None = None) -> dict:
    """Match active applications into persons; ``review_current`` = the tab as read this run (None: read it now)."""
    logger = get_run_logger()
    project = runtime.project(project_path)
    cfg = project.dedupe
    if not cfg.enabled:
        logger.info("Deduplikacja wyłączona w projekcie.")
        return {"enabled": 0}
    backend = backend_for(project)
    if review_current is None:
        review_current = REVIEW.read(backend, project)
    parsed = REVIEW.parse(review_current)
    with runtime.registry().session() as session:
        counts = run_dedupe(session, project.slug, Thresholds(cfg.match_threshold, cfg.review_threshold), parsed.decisions)
        rows = REVIEW.build(review_items(session, project.slug, parsed.pending_text))
    written = REVIEW.write_if_changed(backend, project, rows, review_current)
    out = counts.as_dict()
    out.update(review_rows=len(rows) - 1, review_tab_written=int(written), unreadable_answers=parsed.unreadable)
    logger.info(
        "Deduplikacja: %d zgłoszeń (%d nowych/zmienionych), %d połączonych osób, %d decyzji personelu, "
        "%d par do sprawdzenia%s%s.",
        counts.applications, counts.new_or_changed, counts.persons_merged, counts.decisions_recorded,
        counts.reviews_open, f", {parsed.unreadable} nieczytelnych odpowiedzi" if parsed.unreadable else "",
        f", {counts.applications_split} poprawionych zgłoszeń odłączonych od osoby" if counts.applications_split else "",
    )
    return out
