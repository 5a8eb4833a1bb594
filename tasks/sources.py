"""Read all sources of a project (one read per spreadsheet), retried on I/O failure — never when the
workbook is missing, corrupt or not an XLSX at all (the same bytes fail the same way)."""

from __future__ import annotations

from synergia import steps
from synergia.sheets.base import NotAnOwnedTab, UnreadableWorkbook, WorksheetNotFound
from synergia.sheets.read import SourceSnapshot
from tasks._prefect import retry_unless, step_context, synergia_task


@synergia_task(
    retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=retry_unless(WorksheetNotFound, NotAnOwnedTab, UnreadableWorkbook)
)
def read_sources(project_path: str) -> SourceSnapshot:
    return steps.run_read_sources(step_context(project_path))
