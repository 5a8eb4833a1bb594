"""Write the pipeline's own tabs back to the staff spreadsheet (the rule is ``synergia.sheets.owned``)."""
from __future__ import annotations

from prefect import get_run_logger

from synergia import runtime
from synergia.sheets import backend_for
from synergia.sheets.base import PERMANENT_ERRORS
from synergia.sheets.owned import QUARANTINE
from tasks._prefect import retry_unless, synergia_task


@synergia_task(retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=retry_unless(*PERMANENT_ERRORS))
def write_quarantine_tab(project_path: str, current: list[list[str]] | None) -> int:
    """Refresh the quarantine tab; returns the number of rows listed (no data, only counts)."""
    project = runtime.project(project_path)
    with runtime.registry().session() as session:
        rows = QUARANTINE.build(session, project.slug)
    written = QUARANTINE.write_if_changed(backend_for(project), project, rows, current)
    get_run_logger().info("Zakładka '%s': %d wierszy, %s.", QUARANTINE.name(project), len(rows) - 1,
                          "zapisano" if written else "bez zmian")
    return len(rows) - 1
