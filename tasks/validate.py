"""Validate every raw row of the snapshot (pure CPU work, one task for the whole batch)."""
from __future__ import annotations

from prefect import get_run_logger

from synergia import runtime
from synergia.sheets.read import SourceSnapshot
from synergia.registry.sync import accepted_contents, previous_validation
from synergia.validation.batch import ValidatedBatch, checked_until, reusable, validate_snapshot, validation_context
from tasks._prefect import synergia_task


@synergia_task
def validate_rows(project_path: str, snapshot: SourceSnapshot) -> ValidatedBatch:
    """Rows accepted by an earlier run under the same rules, with the same content, are not
    validated again (their outcome is taken from the registry; see ``validate_snapshot``)."""
    project = runtime.project(project_path)
    known = None
    with runtime.registry().session() as session:
        context, until, sources = previous_validation(session, project.slug)
        if reusable(context, until, validation_context(project, snapshot), checked_until(project)):
            known = accepted_contents(session, project.slug, sources)
    batch = validate_snapshot(project, snapshot, known=known)
    log = get_run_logger()
    log.info("Zweryfikowano %d wierszy (%d bez zmian, bez ponownej weryfikacji): %s", len(batch.outcomes),
             batch.reused, batch.summary())
    for problem in batch.source_errors:  # header texts and source ids only, never cell values
        log.error(problem)
    for problem in batch.source_warnings:
        log.warning(problem)
    if batch.formula_rows:
        log.warning("%d wierszy z formułą bez obliczonej wartości (formula without a cached value).", batch.formula_rows)
    return batch
