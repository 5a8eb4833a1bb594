"""Run reports as Prefect artifacts: counts only, never personal data."""

from __future__ import annotations

from prefect.artifacts import create_table_artifact

from synergia.steps import nightly_result, report_rows
from tasks._prefect import step_context, synergia_task


@synergia_task
def publish_sync_report(project_path: str, counts: dict, steps: dict[str, dict] | None = None) -> dict:
    """One table of the night's numbers (``synergia.steps.nightly_result``); returns them as one flat dict —
    the nightly run's result."""
    ctx = step_context(project_path)
    flat = nightly_result(ctx, counts, steps)
    table = [{"Miara": label, "Liczba": value} for label, value in report_rows(flat, counts, steps)]
    create_table_artifact(
        key=f"{ctx.project.slug}-nightly",
        table=table,
        description=f"Synchronizacja nocna projektu {ctx.project.name} (same liczby, bez danych osobowych).",
    )
    return flat
