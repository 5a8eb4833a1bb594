"""Validate every raw row of the snapshot (pure CPU work, one task for the whole batch)."""
from __future__ import annotations

from prefect import get_run_logger

from synergia import runtime
from synergia.sources.read import SourceSnapshot
from synergia.validation.batch import ValidatedBatch, validate_snapshot
from tasks._prefect import synergia_task


@synergia_task
def validate_rows(project_path: str, snapshot: SourceSnapshot) -> ValidatedBatch:
    batch = validate_snapshot(runtime.project(project_path), snapshot)
    log = get_run_logger()
    log.info("Zweryfikowano %d wierszy: %s", len(batch.outcomes), batch.summary())
    for problem in batch.source_errors:  # header texts and source ids only, never cell values
        log.error(problem)
    for problem in batch.source_warnings:
        log.warning(problem)
    if batch.formula_rows:
        log.warning("%d wierszy z formułą bez obliczonej wartości (formula without a cached value).", batch.formula_rows)
    return batch
