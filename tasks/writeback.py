"""Write the pipeline's own tabs back to the staff spreadsheet (the rule is ``synergia.sheets.owned``)."""

from __future__ import annotations

from synergia import steps
from synergia.sheets.base import PERMANENT_ERRORS
from tasks._prefect import retry_unless, step_context, synergia_task


@synergia_task(retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=retry_unless(*PERMANENT_ERRORS))
def write_quarantine_tab(project_path: str, current: list[list[str]] | None) -> int:
    """Refresh the quarantine tab; returns the number of rows listed (no data, only counts)."""
    return steps.run_quarantine_tab(step_context(project_path), current)
