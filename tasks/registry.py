"""Registry steps: migrate the schema, then write one run's outcomes in one transaction."""

from __future__ import annotations

from synergia import steps
from synergia.validation.batch import ValidatedBatch
from tasks._prefect import step_context, synergia_task


@synergia_task(retries=2, retry_delay_seconds=[2, 10])
def prepare_registry(project_path: str) -> str:
    """Bring the schema up to date and mirror the project's events; returns the database dialect."""
    return steps.run_prepare_registry(step_context(project_path))


@synergia_task
def upsert_registry(project_path: str, batch: ValidatedBatch) -> dict:
    """Apply accepted / quarantined / empty outcomes; all-or-nothing. Returns counts only."""
    return steps.run_sync(step_context(project_path), batch).as_dict()
