"""Read all sources of a project (one read per spreadsheet), retried on I/O failure — never when the
workbook is missing, corrupt or not an XLSX at all (the same bytes fail the same way)."""
from __future__ import annotations

from prefect import get_run_logger

from synergia import runtime
from synergia.sheets import backend_for
from synergia.sheets.read import SourceSnapshot, read_project_sources
from synergia.sheets.base import NotAnOwnedTab, UnreadableWorkbook, WorksheetNotFound
from tasks._prefect import retry_unless, synergia_task


@synergia_task(retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=retry_unless(WorksheetNotFound, NotAnOwnedTab, UnreadableWorkbook))
def read_sources(project_path: str) -> SourceSnapshot:
    project = runtime.project(project_path)
    snap = read_project_sources(project, backend_for(project))
    log = get_run_logger()
    log.info("Odczytano %d wierszy z %d źródeł (read rows).", snap.row_count, len(snap.rows))
    for source_id, worksheet in snap.missing:
        log.warning("Brak arkusza '%s' dla źródła '%s' (worksheet missing).", worksheet, source_id)
    return snap
