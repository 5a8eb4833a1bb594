"""Write the pipeline's own tabs back to the staff spreadsheet, only when their content changed."""
from __future__ import annotations

from prefect import get_run_logger

from synergia import runtime
from synergia.sheets import backend_for
from synergia.sheets.base import same_table
from synergia.writeback.quarantine_tab import TAB as QUARANTINE_TAB, quarantine_rows
from synergia.sheets.base import PERMANENT_ERRORS
from tasks._prefect import retry_unless, synergia_task


def write_if_changed(project_path: str, tab: str, rows: list[list[str]], current: list[list[str]] | None) -> bool:
    """One write for the tab, or none if the sheet already shows exactly this."""
    if current is not None and same_table(current, rows):
        return False
    project = runtime.project(project_path)
    backend_for(project).write_tab(project.spreadsheet.id, tab, rows)
    return True


@synergia_task(retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=retry_unless(*PERMANENT_ERRORS))
def write_quarantine_tab(project_path: str, current: list[list[str]] | None) -> int:
    """Refresh ``Odrzucone``; returns the number of rows listed (no data, only counts)."""
    project = runtime.project(project_path)
    with runtime.registry().session() as session:
        rows = quarantine_rows(session, project.slug)
    written = write_if_changed(project_path, QUARANTINE_TAB, rows, current)
    get_run_logger().info("Zakładka '%s': %d wierszy, %s.", QUARANTINE_TAB, len(rows) - 1, "zapisano" if written else "bez zmian")
    return len(rows) - 1
