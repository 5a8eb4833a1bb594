"""Validate every raw row of the snapshot (pure CPU work, one task for the whole batch)."""

from __future__ import annotations

from synergia import steps
from synergia.sheets.read import SourceSnapshot
from synergia.validation.batch import ValidatedBatch
from tasks._prefect import step_context, synergia_task


@synergia_task
def validate_rows(project_path: str, snapshot: SourceSnapshot) -> ValidatedBatch:
    """Rows accepted earlier under the same rules, with the same content, keep their outcome (not validated again)."""
    return steps.run_validate(step_context(project_path), snapshot)
