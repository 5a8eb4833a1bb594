"""Nightly run: sync forms and attendance lists into the registry, then the later steps."""
from __future__ import annotations

from prefect import flow

from tasks.registry import prepare_registry, upsert_registry
from tasks.report import publish_sync_report
from tasks.sources import read_sources
from tasks.validate import validate_rows
from tasks.writeback import write_quarantine_tab


@flow(name="synergia-nightly", persist_result=False, log_prints=False)
def nightly(project_path: str) -> dict:
    """sync (read → validate → upsert) → quarantine tab → report."""
    prepare_registry(project_path)
    snapshot = read_sources(project_path)
    batch = validate_rows(project_path, snapshot)
    counts = upsert_registry(project_path, batch)
    write_quarantine_tab(project_path, batch.owned_tabs.get("Odrzucone"))
    publish_sync_report(project_path, counts)
    return counts
