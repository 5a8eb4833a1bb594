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
    get_run_logger().info("Zweryfikowano %d wierszy: %s", len(batch.outcomes), batch.summary())
    return batch
