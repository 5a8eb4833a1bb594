"""Registry steps: migrate the schema, then write one run's outcomes in one transaction."""
from __future__ import annotations

from prefect import get_run_logger

from synergia import runtime
from synergia.registry.base import utcnow
from synergia.registry.sync import apply_outcomes, mirror_events
from synergia.registry.tables import SyncRun
from synergia.validation.batch import ValidatedBatch
from tasks._prefect import synergia_task


@synergia_task(retries=2, retry_delay_seconds=[2, 10])
def prepare_registry(project_path: str) -> str:
    """Bring the schema up to date and mirror the project's events; returns the database dialect."""
    project = runtime.project(project_path)
    reg = runtime.registry(migrate=True)
    with reg.session() as session:
        mirror_events(session, project)
    return reg.engine.dialect.name


@synergia_task
def upsert_registry(project_path: str, batch: ValidatedBatch) -> dict:
    """Apply accepted / quarantined / empty outcomes; all-or-nothing. Returns counts only."""
    project = runtime.project(project_path)
    reg = runtime.registry()
    started = utcnow()
    with reg.session() as session:
        counts = apply_outcomes(session, project, batch.outcomes, batch.read_worksheets, now=started)
        counts.missing_sources = [f"{source_id}: '{worksheet}'" for source_id, worksheet in batch.missing]
        counts.source_errors, counts.source_warnings = list(batch.source_errors), list(batch.source_warnings)
        counts.skipped_rows, counts.formula_rows = batch.skipped_rows, batch.formula_rows
        counts.reused, counts.validation_context, counts.checked_until = batch.reused, batch.context, batch.checked_until
        counts.validated_sources = sorted({source_id for source_id, _, _ in batch.read_worksheets})
        run = SyncRun(project=project.slug, started_at=started, finished_at=utcnow(), status="ok", counts=counts.as_dict())
        session.add(run)
        session.flush()
        counts.sync_run_id = run.id  # the report counts this run's events in the registry from here
    get_run_logger().info(
        "Rejestr: %d przyjętych (%d nowych, %d zmienionych, %d bez zmian), %d w kwarantannie, %d pustych.",
        counts.accepted, counts.new, counts.changed, counts.unchanged, counts.quarantined, counts.empty,
    )
    return counts.as_dict()
